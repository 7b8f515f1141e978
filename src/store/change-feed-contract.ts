/**
 * How an instance learns that another process changed the catalog (SPEC §13: within one second). One
 * interface, two implementations behind `createChangeFeed`: SQLite polls its cheap `data_version`
 * (change-feed-sqlite.ts); PostgreSQL LISTENs on a dedicated connection, with reconnection and a safety
 * poll (change-feed-postgres.ts). Either way the registry refreshes on a signal, and its refresh compares
 * the registry version, so a signal that covers nothing new rebuilds nothing.
 */
export interface ChangeFeed {
  /**
   * Starts watching; `onChange` is called when something may have changed (its promise, if any, rejects
   * when the refresh failed: the feed then signals again later). `report` is told a problem once per
   * outage and `null` when things work again. Resolves once the first check or connection was tried.
   */
  start(onChange: () => unknown, report?: (problem: string | null) => void): Promise<void>;
  /** Stops every timer and connection; no onChange after it resolves. */
  stop(): Promise<void>;
  /** A refresh failed (a database error): signal again at the next check, even if nothing moved since. */
  missed(): void;
}
