import type { AdminChange, AuditPage, AuditQuery, CallRecord } from '../core/audit.js';
import { ToolwireError } from '../core/errors.js';
import type { Store } from '../store/index.js';
import { aggregateCalls, STATS_CALL_CAP, type AuditStats } from './audit-stats.js';

/** How a write names the admin change it makes (from its result, when the object's code is generated); null: not an admin change. */
export type ChangeOf<T> = AdminChange | ((result: T) => AdminChange) | null;

export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;

/**
 * The audit log (SPEC §12) as the catalog keeps it: tool calls arrive in batches (one transaction each,
 * from the ops side's queue, never on the call path), admin changes are written by `Catalog.write` inside
 * the change's own transaction, and reads page newest first with an opaque cursor.
 */
export class AuditCatalog {
  constructor(private readonly store: Store) {}

  /** One transaction for the whole batch; retention applied in the same one when `pruneBefore` is given. */
  async recordCalls(batch: readonly CallRecord[], pruneBefore: string | null = null): Promise<void> {
    await this.store.transaction(async () => {
      for (const record of batch) await this.store.audit.insertCall(record);
      if (pruneBefore !== null) await this.store.audit.prune(pruneBefore);
    });
  }

  /** Removes entries older than `before` (ISO); returns how many. */
  prune(before: string): Promise<number> {
    return this.store.transaction(() => this.store.audit.prune(before));
  }

  /** A page of entries, newest first; INVALID_INPUT naming the field for a bad filter. */
  async page(query: AuditQuery): Promise<AuditPage> {
    const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX) {
      throw new ToolwireError('INVALID_INPUT', `limit must be a whole number from 1 to ${AUDIT_PAGE_MAX} (got ${String(query.limit)}).`, [
        { field: 'limit', message: `must be 1-${AUDIT_PAGE_MAX}` },
      ]);
    }
    const since = query.since ? isoSince(query.since) : null;
    const beforeId = query.cursor ? decodeCursor(query.cursor) : null;
    const entries = await this.store.read(() =>
      this.store.audit.page({ client: query.client || null, tool: query.tool || null, since, beforeId, limit: limit + 1 }),
    );
    const more = entries.length > limit;
    if (more) entries.pop();
    const last = entries[entries.length - 1];
    return { entries, nextCursor: more && last ? encodeCursor(last.id) : null };
  }

  /** The dashboard's numbers (SPEC §16): the last `minutes` minutes of calls, per provider and minute. */
  async stats(minutes: number, now = new Date()): Promise<AuditStats> {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw new ToolwireError('INVALID_INPUT', `minutes must be a whole number from 1 to 1440 (got ${String(minutes)}).`, [
        { field: 'minutes', message: 'must be 1-1440' },
      ]);
    }
    const since = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (minutes - 1) * 60_000).toISOString();
    const samples = await this.store.read(() => this.store.audit.callsSince(since, STATS_CALL_CAP + 1));
    const truncated = samples.length > STATS_CALL_CAP;
    return aggregateCalls(truncated ? samples.slice(0, STATS_CALL_CAP) : samples, now, minutes, truncated);
  }
}

function isoSince(raw: string): string {
  const time = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(time)) {
    throw new ToolwireError(
      'INVALID_INPUT',
      `since must be an ISO 8601 date or time, like 2026-01-31 or 2026-01-31T12:00:00Z (got ${JSON.stringify(raw.slice(0, 40))}).`,
      [{ field: 'since', message: 'must be an ISO 8601 date or time' }],
    );
  }
  return new Date(time).toISOString();
}

const encodeCursor = (id: number) => Buffer.from(`a:${id}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const match = /^a:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw new ToolwireError(
      'INVALID_INPUT',
      'cursor is not one this server gave: pass the nextCursor of a previous page unchanged, or leave it out for the newest entries.',
      [{ field: 'cursor', message: 'must be a nextCursor of a previous page' }],
    );
  }
  return Number(match[1]);
}
