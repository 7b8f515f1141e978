import type { OpenDatabase } from './db.js';

/** Every limit set (calls a minute), by provider code, tool code and client name (migration 9). */
export interface RateLimitIndex {
  providers: Map<string, number>;
  tools: Map<string, number>;
  clients: Map<string, number>;
}

/** Reads every limit at once: the call path's index, loaded with the registry's snapshot. */
export async function readRateLimits(database: OpenDatabase): Promise<RateLimitIndex> {
  const pairs = async (table: string, key: string) =>
    new Map(
      (await database.driver.all<{ k: string; n: number }>(`SELECT ${key} AS k, rate_per_minute AS n FROM ${table} WHERE rate_per_minute IS NOT NULL`)).map(
        (r) => [r.k, r.n] as const,
      ),
    );
  return { providers: await pairs('providers', 'code'), tools: await pairs('tools', 'code'), clients: await pairs('clients', 'name') };
}
