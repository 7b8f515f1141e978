import { AsyncLocalStorage } from 'node:async_hooks';
import type { CustomTypesConfig, Pool, QueryResult } from 'pg';
import { ToolwireError } from '../core/errors.js';
import type { RunResult, SqlDriver, SqlExecutor, SqlParams } from './driver.js';

/**
 * The PostgreSQL driver behind the store's one seam (driver.ts; docs/design/postgresql.md, option b′): a
 * `pg.Pool`, the store's `?` / `@name` placeholders rewritten to `$n`, and rows shaped as SQLite gives them
 * (int8 and numeric as numbers). `pg` is imported only here, and only when a `postgres://` target is opened.
 */

export interface PgDriverOptions {
  /** Connections in the pool (TOOLWIRE_DB_POOL); default 10. */
  poolSize?: number;
  /** How long a query waits for a connection before it fails; default 2 s, so a stopped database fails fast. */
  connectionTimeoutMillis?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Told when an idle pooled connection breaks (the server stopped or restarted). The pool drops that
   * connection and opens a new one for the next query; without a listener the error would crash the process.
   */
  onIdleError?: (err: Error) => void;
}

/** A statement's text for pg, with the order its named values go in (empty for `?`). */
export interface PgStatement {
  text: string;
  names: readonly string[];
  positional: number;
}

// Quoted literals, quoted identifiers and comments are copied as they are; `?` and `@name` outside them are
// placeholders. `@` followed by a non-letter (`@>`) stays an operator.
const TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\?|@([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Rewrites `?` (in order) or `@name` (the same name is the same `$n`) to pg's `$n`. One statement uses one
 * style, as with better-sqlite3.
 */
export function toPgStatement(sql: string): PgStatement {
  const names: string[] = [];
  let positional = 0;
  const text = sql.replace(TOKENS, (token, name: string | undefined) => {
    if (token === '?') return `$${++positional}`;
    if (name === undefined) return token;
    let at = names.indexOf(name);
    if (at < 0) at = names.push(name) - 1;
    return `$${at + 1}`;
  });
  if (positional > 0 && names.length > 0) {
    throw new ToolwireError('INTERNAL', `A SQL statement mixes ? and @name placeholders (${sql.slice(0, 80)}); use one style per statement.`);
  }
  return { text, names, positional };
}

/** The values in $n order: an array as given, or the named values picked by name. */
export function pgValues(statement: PgStatement, params: SqlParams | undefined): unknown[] {
  if (statement.names.length === 0) {
    if (params !== undefined && !Array.isArray(params)) {
      if (statement.positional === 0) return [];
      throw new ToolwireError('INTERNAL', `A SQL statement with ? placeholders was given named values: pass an array (${statement.text.slice(0, 80)}).`);
    }
    return [...((params as readonly unknown[] | undefined) ?? [])];
  }
  if (params === undefined || Array.isArray(params)) {
    throw new ToolwireError('INTERNAL', `A SQL statement with @name placeholders was given no named values: pass an object (${statement.text.slice(0, 80)}).`);
  }
  const named = params as Readonly<Record<string, unknown>>;
  return statement.names.map((name) => {
    if (!(name in named)) throw new ToolwireError('INTERNAL', `The SQL parameter @${name} has no value; add it to the values passed.`);
    return named[name];
  });
}

/** A transaction in progress: its client, and whether it is still open (leftover async work must not use it). */
interface Scope {
  executor: SqlExecutor;
  open: boolean;
}

export async function createPgDriver(url: string, options: PgDriverOptions = {}): Promise<SqlDriver> {
  const { default: pg } = await import('pg');
  // int8 (COUNT(*), bigint) and numeric as numbers, for this pool only (pg's global parsers stay untouched):
  // the repositories read the same shapes as from SQLite.
  const asNumber = (value: string) => Number(value);
  const types: CustomTypesConfig = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20 || oid === 1700 ? asNumber : pg.types.getTypeParser(oid, format ?? 'text')) as CustomTypesConfig['getTypeParser'],
  };
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 2000,
    application_name: options.applicationName ?? 'toolwire',
    types,
  });
  pool.on('error', (err) => options.onIdleError?.(err));

  const statements = new Map<string, PgStatement>();
  const prepare = (sql: string): PgStatement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = toPgStatement(sql);
      if (statements.size >= 1000) statements.clear();
      statements.set(sql, statement);
    }
    return statement;
  };
  const executorOn = (query: (text: string, values: unknown[]) => Promise<QueryResult>, exec: (script: string) => Promise<void>): SqlExecutor => {
    const run = (sql: string, params?: SqlParams) => {
      const statement = prepare(sql);
      return query(statement.text, pgValues(statement, params));
    };
    return {
      dialect: 'postgres',
      all: async <Row>(sql: string, params?: SqlParams) => (await run(sql, params)).rows as Row[],
      get: async <Row>(sql: string, params?: SqlParams) => (await run(sql, params)).rows[0] as Row | undefined,
      run: async (sql: string, params?: SqlParams): Promise<RunResult> => ({ changes: (await run(sql, params)).rowCount ?? 0 }),
      exec,
    };
  };

  // Statements issued through the root driver from inside a transaction's async context run in that
  // transaction: a repository that forgot its executor still writes all-or-nothing instead of escaping.
  const scopes = new AsyncLocalStorage<Scope>();
  const current = (): Scope | undefined => {
    const scope = scopes.getStore();
    return scope?.open ? scope : undefined;
  };
  const viaPool = executorOn(
    (text, values) => pool.query(text, values),
    async (script) => {
      await pool.query(script); // no values: the simple query protocol, which runs several statements
    },
  );
  const routed = <K extends 'all' | 'get' | 'run' | 'exec'>(method: K): SqlExecutor[K] =>
    ((...args: unknown[]) => ((current()?.executor ?? viaPool)[method] as (...a: unknown[]) => unknown)(...args)) as SqlExecutor[K];

  async function inTransaction<T>(begin: string, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const outer = current();
    if (outer) return fn(outer.executor); // nested: joins the outer transaction
    const client = await pool.connect();
    // A checked-out client has no pool listener: a broken connection would otherwise be an uncaught error.
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    const scope: Scope = { open: true, executor: viaPool };
    const guarded = (text: string, values: unknown[]) => {
      if (!scope.open) return Promise.reject(ended());
      return client.query(text, values);
    };
    scope.executor = executorOn(guarded, async (script) => {
      await guarded(script, []);
    });
    try {
      await client.query(begin);
      const value = await scopes.run(scope, () => fn(scope.executor));
      await client.query('COMMIT');
      return value;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken ??= rollbackError;
      });
      throw err;
    } finally {
      scope.open = false;
      client.removeListener('error', onError);
      client.release(broken ?? false); // a broken connection is closed, not handed to the next caller
    }
  }

  return {
    dialect: 'postgres',
    all: routed('all'),
    get: routed('get'),
    run: routed('run'),
    exec: routed('exec'),
    transaction: (fn) => inTransaction('BEGIN', fn),
    read: (fn) => inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn),
    close: () => pool.end(),
  };
}

function ended(): ToolwireError {
  return new ToolwireError(
    'INTERNAL',
    'A statement was sent through a transaction that has already ended (work left running after its function returned); await it inside the transaction or use the store itself.',
  );
}
