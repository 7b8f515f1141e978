import type { ChangeFeed } from './change-feed-contract.js';
import type { Store } from './index.js';

export type { ChangeFeed } from './change-feed-contract.js';

/**
 * How an instance learns that another process changed the catalog: the feed for the store's database
 * (the contract and why it has two implementations: change-feed-contract.ts).
 */
export interface ChangeFeedOptions {
  /** PostgreSQL: the connection URL for the feed's own LISTEN connection (required there). */
  url?: string;
  /** SQLite: the poll's interval (default 250 ms). */
  intervalMs?: number;
}

/** The feed for the store's database. Loads `pg` only for PostgreSQL. */
export async function createChangeFeed(store: Store, options: ChangeFeedOptions = {}): Promise<ChangeFeed> {
  const driver = store.driver;
  if (driver.dialect === 'sqlite') {
    const { createSqliteChangeFeed } = await import('./change-feed-sqlite.js');
    return createSqliteChangeFeed(store, options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs });
  }
  const { url } = options;
  if (url === undefined) throw new Error('change feed: a PostgreSQL store needs the connection URL for its LISTEN connection');
  const [{ default: pg }, { createPostgresChangeFeed }] = await Promise.all([import('pg'), import('./change-feed-postgres.js')]);
  return createPostgresChangeFeed({
    db: driver,
    client: () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, application_name: 'toolwire-listen' });
      return client;
    },
  });
}
