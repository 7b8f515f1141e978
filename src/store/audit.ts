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

/** The audit log (migration 9): tool calls written in batches, admin changes inside their own write. */
export class AuditRepository {
  private readonly statements;

  constructor(database: OpenDatabase) {
    const db = database.sqlite;
    this.statements = {
      call: db.prepare(
        `INSERT INTO audit_log (kind, at, actor, tool, provider, outcome, status, duration_ms, bytes_in, bytes_out, arguments)
         VALUES ('call', @at, @actor, @tool, @provider, @outcome, @status, @durationMs, @bytesIn, @bytesOut, @arguments)`,
      ),
      change: db.prepare(`INSERT INTO audit_log (kind, at, actor, action, object, detail) VALUES ('change', ?, ?, ?, ?, ?)`),
      page: db.prepare(
        `SELECT * FROM audit_log
         WHERE (@client IS NULL OR actor = @client) AND (@tool IS NULL OR tool = @tool) AND (@since IS NULL OR at >= @since)
           AND (@beforeId IS NULL OR id < @beforeId)
         ORDER BY id DESC LIMIT @limit`,
      ),
      prune: db.prepare('DELETE FROM audit_log WHERE at < ?'),
      callsSince: db.prepare(`SELECT at, provider, outcome, duration_ms AS durationMs FROM audit_log WHERE kind = 'call' AND at >= ? ORDER BY at LIMIT ?`),
    };
  }

  /** The caller holds the transaction (one per batch). */
  insertCall(record: CallRecord): void {
    this.statements.call.run(record);
  }

  /** The caller holds the transaction: the change's own. */
  insertChange(at: string, actor: string, change: AdminChange): void {
    this.statements.change.run(at, actor, change.action, change.object, change.detail ?? null);
  }

  /** Newest first. */
  page(filter: AuditFilter): AuditEntry[] {
    return (this.statements.page.all(filter) as AuditRow[]).map(toEntry);
  }

  /** Removes entries older than `before` (ISO); returns how many. */
  prune(before: string): number {
    return this.statements.prune.run(before).changes;
  }

  /** The calls at or after `since` (oldest first, at most `cap`): what the dashboard aggregates. */
  callsSince(since: string, cap: number): CallSample[] {
    return this.statements.callsSince.all(since, cap) as CallSample[];
  }
}
