import { AsyncLocalStorage } from 'node:async_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import type { RunResult, SqlDriver, SqlExecutor, SqlParams } from './driver.js';

type Statement = BetterSqlite3.Statement;

/** The transaction an async context is inside; `open` turns false at its end, so leftover work falls back to the queue. */
interface Scope {
  open: boolean;
  executor: SqlExecutor;
}

/**
 * `SqlDriver` over one better-sqlite3 connection. Everything goes through one promise queue: while a
 * transaction's fn awaits, any other statement on the connection would land inside that transaction, so
 * statements from other flows wait for it. Statements from inside the transaction's own async context (the
 * root driver or the executor given to fn) run in it at once (see the contract in driver.ts).
 */
export function sqliteDriver(raw: BetterSqlite3.Database): SqlDriver {
  const statements = new Map<string, Statement>();
  const prepare = (text: string): Statement => {
    let statement = statements.get(text);
    if (!statement) {
      statement = raw.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  const args = (params: SqlParams | undefined): unknown[] => (params === undefined ? [] : Array.isArray(params) ? params : [params]);
  const direct = {
    all: <Row>(text: string, params?: SqlParams) => prepare(text).all(...args(params)) as Row[],
    get: <Row>(text: string, params?: SqlParams) => {
      const statement = prepare(text);
      // A write with RETURNING reads as a query; one without gives no row back.
      if (statement.reader) return statement.get(...args(params)) as Row | undefined;
      statement.run(...args(params));
      return undefined;
    },
    run: (text: string, params?: SqlParams): RunResult => ({ changes: prepare(text).run(...args(params)).changes }),
    exec: (script: string) => void raw.exec(script),
  };
  const scopes = new AsyncLocalStorage<Scope>();
  let queue: Promise<unknown> = Promise.resolve();
  const queued = <T>(call: () => T | Promise<T>): Promise<T> => {
    const result = queue.then(call);
    queue = result.catch(() => {});
    return result;
  };
  /** Runs a statement in the caller's open transaction, or else behind the queue. */
  const routed = <T>(call: () => T): Promise<T> => {
    const scope = scopes.getStore();
    if (scope?.open) {
      try {
        return Promise.resolve(call());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return queued(call);
  };
  const executor: SqlExecutor = {
    dialect: 'sqlite',
    all: (text, params) => routed(() => direct.all(text, params)),
    get: (text, params) => routed(() => direct.get(text, params)),
    run: (text, params) => routed(() => direct.run(text, params)),
    exec: (script) => routed(() => direct.exec(script)),
  };
  const inTransaction = async <T>(begin: string, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    // Nested: join the transaction the caller is already in.
    if (scopes.getStore()?.open) return fn(executor);
    return queued(async () => {
      raw.exec(begin);
      const scope: Scope = { open: true, executor };
      try {
        const value = await scopes.run(scope, () => fn(executor));
        scope.open = false;
        raw.exec('COMMIT');
        return value;
      } catch (err) {
        scope.open = false;
        if (raw.inTransaction) raw.exec('ROLLBACK');
        throw err;
      }
    });
  };
  return {
    ...executor,
    transaction: (fn) => inTransaction('BEGIN IMMEDIATE', fn),
    read: (fn) => inTransaction('BEGIN DEFERRED', fn),
    close: () =>
      queued(() => {
        raw.close();
      }),
  };
}
