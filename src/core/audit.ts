/**
 * The audit log's records (SPEC §12): what a tool call and an admin change leave behind. Pure data, so the
 * store writes them, the catalog reads them and the ops side makes them without knowing one another.
 */

/** How a tool call ended: `ok`, an error the tool or API answered, a timeout, refused before sending, over a rate limit. */
export type CallOutcome = 'ok' | 'tool_error' | 'upstream_error' | 'timeout' | 'refused' | 'rate_limited';

export const CALL_OUTCOMES: readonly CallOutcome[] = ['ok', 'tool_error', 'upstream_error', 'timeout', 'refused', 'rate_limited'];

/** One tool call, as queued on the call path and written in a batch off it. */
export interface CallRecord {
  /** ISO 8601, UTC. */
  at: string;
  /** The identity name (`owner` for TOOLWIRE_TOKEN and stdio). */
  actor: string;
  tool: string;
  provider: string;
  outcome: CallOutcome;
  /** The API's last HTTP status; null when no answer came (refused, timeout, network, an MCP upstream). */
  status: number | null;
  durationMs: number;
  /** Bytes sent to the API (request bodies) and received from it (response bodies). */
  bytesOut: number;
  bytesIn: number;
  /** The arguments as JSON, redacted: only with TOOLWIRE_AUDIT_ARGS=1, else null. */
  arguments: string | null;
}

/** One admin change: who made it, what it was, on which object. Never a value of a secret field. */
export interface AdminChange {
  /** `provider.create`, `client.rotate`, `import`… */
  action: string;
  /** `provider:github`, `client:alice`… */
  object: string;
  /** A short non-secret note (counts, the fields changed by name). */
  detail?: string;
}

/** An entry as read back: a call or a change. */
export type AuditEntry =
  | ({ id: number; kind: 'call' } & CallRecord)
  | ({ id: number; kind: 'change'; at: string; actor: string } & Required<Pick<AdminChange, 'action' | 'object'>> & { detail: string | null });

/** `toolwire audit` and `GET /admin/audit` filters; `cursor` is the opaque `nextCursor` of a previous page. */
export interface AuditQuery {
  client?: string | undefined;
  tool?: string | undefined;
  /** ISO 8601: entries at or after it. */
  since?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  nextCursor: string | null;
}
