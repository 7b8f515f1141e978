/**
 * The one seam between the store's SQL and a database (docs/design/postgresql.md, option b′): the
 * repositories write each statement once, in SQL both SQLite and PostgreSQL accept (`?` or `@name`
 * placeholders, `RETURNING`, `ON CONFLICT`), and one of two thin drivers runs it: better-sqlite3
 * (`sqlite-driver.ts`) or `pg` (`pg-driver.ts`, loaded only for a `postgres://` target).
 *
 * The contract both drivers keep (so repositories and the catalog need not pass a transaction around):
 * - A statement issued through the ROOT driver from inside a transaction's async context (fn, and anything
 *   fn awaits) runs IN that transaction. The drivers route it with node:async_hooks' AsyncLocalStorage.
 * - A `transaction()` or `read()` started inside a transaction joins the outer one (no savepoint: a throw
 *   rolls the whole outer transaction back once it reaches it).
 * - Once a transaction has ended (committed or rolled back), what is left of its async context (a timer or
 *   a promise chain created inside it) runs on the root again: behind the queue on SQLite, on the pool on
 *   PostgreSQL; never on a finished transaction.
 * - Statements from other async contexts never land inside a transaction: on SQLite they wait in the queue
 *   for it to end (one connection), on PostgreSQL they take another pooled client.
 * So code inside a transaction must not wait for work started in another context that itself needs the
 * database (on SQLite that work waits for the transaction: a deadlock).
 */

/** Positional values for `?`, or named values for `@name`. */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** What a statement changed. */
export interface RunResult {
  /** Rows inserted, updated or deleted (SQLite `changes`, pg `rowCount`). */
  changes: number;
}

/** Runs statements: the root driver outside a transaction, or the transaction's own executor inside one. */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** Every row of a query. */
  all<Row = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<Row[]>;
  /** The first row of a query, or undefined (a `RETURNING` write goes here too). */
  get<Row = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<Row | undefined>;
  /** A write without rows back. */
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  /** Several statements without parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
}

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlDriver extends SqlExecutor {
  /**
   * Runs fn in one write transaction: all of it is written or none. SQLite: BEGIN IMMEDIATE behind the
   * driver's queue (one connection: nothing else runs inside while fn awaits). PostgreSQL: a dedicated
   * pooled client. fn may use the executor it is given or the root driver: both run in the transaction
   * (see the contract above).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs fn in one read transaction: a consistent snapshot (SQLite BEGIN DEFERRED; PostgreSQL REPEATABLE READ READ ONLY). */
  read<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
