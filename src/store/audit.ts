import type { AdminChange, AuditEntry, CallOutcome, CallRecord } from '../core/audit.js';
import type { OpenDatabase } from './db.js';

interface AuditRow {
  id: number;
  kind: 'call' | 'change';
  at: string;
  actor: string;
  tool: string | null;
  provider: string | null;
  outcome: string | null;
  status: number | null;
  duration_ms: number | null;
  bytes_in: number | null;
  bytes_out: number | null;
  arguments: string | null;
  action: string | null;
  object: string | null;
  detail: string | null;
}

/** One call as the dashboard's aggregation reads it. */
export interface CallSample {
  at: string;
  provider: string | null;
  outcome: string | null;
  durationMs: number | null;
}

/** What a page read filters on; `beforeId` is the decoded cursor. */
export interface AuditFilter {
  client: string | null;
  tool: string | null;
  since: string | null;
  beforeId: number | null;
  limit: number;
}

const toEntry = (row: AuditRow): AuditEntry =>
  row.kind === 'call'
    ? {
        id: row.id,
        kind: 'call',
        at: row.at,
        actor: row.actor,
        tool: row.tool ?? '',
        provider: row.provider ?? '',
        outcome: (row.outcome ?? 'ok') as CallOutcome,
        status: row.status,
        durationMs: row.duration_ms ?? 0,
        bytesIn: row.bytes_in ?? 0,
        bytesOut: row.bytes_out ?? 0,
        arguments: row.arguments,
      }
    : { id: row.id, kind: 'change', at: row.at, actor: row.actor, action: row.action ?? '', object: row.object ?? '', detail: row.detail };

const SQL = {
  call: `INSERT INTO audit_log (kind, at, actor, tool, provider, outcome, status, duration_ms, bytes_in, bytes_out, arguments)
     VALUES ('call', @at, @actor, @tool, @provider, @outcome, @status, @durationMs, @bytesIn, @bytesOut, @arguments)`,
  change: `INSERT INTO audit_log (kind, at, actor, action, object, detail) VALUES ('change', ?, ?, ?, ?, ?)`,
  // The casts give PostgreSQL each value's type where `@x IS NULL` alone says none; SQLite takes them as they are.
  page: `SELECT * FROM audit_log
     WHERE (CAST(@client AS TEXT) IS NULL OR actor = @client) AND (CAST(@tool AS TEXT) IS NULL OR tool = @tool)
       AND (CAST(@since AS TEXT) IS NULL OR at >= @since) AND (CAST(@beforeId AS INTEGER) IS NULL OR id < @beforeId)
     ORDER BY id DESC LIMIT @limit`,
  prune: 'DELETE FROM audit_log WHERE at < ?',
  callsSince: `SELECT at, provider, outcome, duration_ms AS "durationMs" FROM audit_log WHERE kind = 'call' AND at >= ? ORDER BY at LIMIT ?`,
};

/** The audit log (migration 9): tool calls written in batches, admin changes inside their own write. */
export class AuditRepository {
  constructor(private readonly database: OpenDatabase) {}

  /** The caller holds the transaction (one per batch). */
  async insertCall(record: CallRecord): Promise<void> {
    await this.database.driver.run(SQL.call, record as unknown as Record<string, unknown>);
  }

  /** The caller holds the transaction: the change's own. */
  async insertChange(at: string, actor: string, change: AdminChange): Promise<void> {
    await this.database.driver.run(SQL.change, [at, actor, change.action, change.object, change.detail ?? null]);
  }

  /** Newest first. */
  async page(filter: AuditFilter): Promise<AuditEntry[]> {
    return (await this.database.driver.all<AuditRow>(SQL.page, filter as unknown as Record<string, unknown>)).map(toEntry);
  }

  /** Removes entries older than `before` (ISO); returns how many. */
  async prune(before: string): Promise<number> {
    return (await this.database.driver.run(SQL.prune, [before])).changes;
  }

  /** The calls at or after `since` (oldest first, at most `cap`): what the dashboard aggregates. */
  async callsSince(since: string, cap: number): Promise<CallSample[]> {
    return this.database.driver.all<CallSample>(SQL.callsSince, [since, cap]);
  }
}
