import type { SqlDriver } from './driver.js';

/**
 * The calls each instance let through per rate-limited key, per 10-second slot (migration 13): what makes a
 * limit hold across instances (SPEC §12) without a database read on the call path. Every instance writes
 * its own rows off the call path and reads the others' sums; no trigger (a count is no registry change).
 */

/** One instance's count of calls let through under one limit in one slot. */
export interface RateCount {
  /** `client:<name>`, `tool:<code>` or `provider:<code>` (no NUL: PostgreSQL's text refuses it). */
  key: string;
  /** The slot's start, epoch milliseconds (a multiple of the slot length). */
  slot: number;
  n: number;
}

/** Rows written by one statement: 4 parameters each, far under SQLite's and pg's parameter limits. */
const BATCH = 200;

export class RateCountRepository {
  constructor(private readonly driver: SqlDriver) {}

  /**
   * Writes this instance's counts: each row is the slot's whole count so far (not an increment), so a write
   * that failed is simply sent again, and one sent twice changes nothing.
   */
  async write(instance: string, counts: readonly RateCount[]): Promise<void> {
    for (let i = 0; i < counts.length; i += BATCH) {
      const rows = counts.slice(i, i + BATCH);
      await this.driver.run(
        `INSERT INTO rate_counts (key, instance, slot, n) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}
         ON CONFLICT (key, instance, slot) DO UPDATE SET n = excluded.n`,
        rows.flatMap((r) => [r.key, instance, r.slot, r.n]),
      );
    }
  }

  /** Every other instance's counts from slot `since` on, summed per key and slot. */
  others(instance: string, since: number): Promise<RateCount[]> {
    return this.driver.all<RateCount>(
      'SELECT key, slot, SUM(n) AS n FROM rate_counts WHERE instance <> ? AND slot >= ? GROUP BY key, slot ORDER BY key, slot',
      [instance, since],
    );
  }

  /** Removes the slots that started before `before` (every instance's, a stopped one's too). */
  async prune(before: number): Promise<void> {
    await this.driver.run('DELETE FROM rate_counts WHERE slot < ?', [before]);
  }
}
