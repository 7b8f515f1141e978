/**
 * The one seam between the store's SQL and a database (docs/design/postgresql.md, option b′): the
 * repositories write each statement once, in SQL both SQLite and PostgreSQL accept (`?` or `@name`
 * placeholders, `RETURNING`, `ON CONFLICT`), and one of two thin drivers runs it: better-sqlite3
 * (`sqlite-driver.ts`) or `pg` (`pg-driver.ts`, loaded only for a `postgres://` target).
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
   * pooled client. fn must use the executor it is given, never the root driver (on SQLite that would wait
   * forever for the queue; on PostgreSQL it would escape the transaction).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs fn in one read transaction: a consistent snapshot (SQLite BEGIN DEFERRED; PostgreSQL REPEATABLE READ READ ONLY). */
  read<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
