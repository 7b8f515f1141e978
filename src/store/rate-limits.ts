import type { OpenDatabase } from './db.js';

/** Every limit set (calls a minute), by provider code, tool code and client name (migration 9). */
export interface RateLimitIndex {
  providers: Map<string, number>;
  tools: Map<string, number>;
  clients: Map<string, number>;
}

/** Reads every limit at once: the call path's index, rebuilt only when the registry version moves. */
export function readRateLimits(database: OpenDatabase): RateLimitIndex {
  const db = database.sqlite;
  const pairs = (table: string, key: string) =>
    new Map(
      (db.prepare(`SELECT ${key} AS k, rate_per_minute AS n FROM ${table} WHERE rate_per_minute IS NOT NULL`).all() as Array<{ k: string; n: number }>).map(
        (r) => [r.k, r.n] as const,
      ),
    );
  return { providers: pairs('providers', 'code'), tools: pairs('tools', 'code'), clients: pairs('clients', 'name') };
}
