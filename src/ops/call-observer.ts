import type { CallToolResult } from '@modelcontextprotocol/server';
import type { CallOutcome, CallRecord } from '../core/audit.js';
import { isToolwireError } from '../core/errors.js';
import { OWNER_NAME } from '../core/identity.js';
import { REDACTED } from '../core/redact.js';
import { errorResult } from '../core/tool-result.js';
import type { CallContext, Invoke, ToolEntry, UpstreamAttempt, UpstreamWatch } from '../registry/types.js';
import type { AuditQueue } from './audit-queue.js';
import type { Metrics } from './metrics.js';
import { limitMessage, type RateLimiter } from './rate-limits.js';
import type { CallSpan, CallTracer } from './tracing.js';

export interface CallObserverDeps {
  /** Null with TOOLWIRE_AUDIT=0. */
  audit: AuditQueue | null;
  /** Read per call: null until the HTTP server loads them (stdio and the CLI never do), or with TOOLWIRE_METRICS=0. */
  metrics: () => Metrics | null;
  limits: RateLimiter;
  /** Read per call: the tracer arrives once its SDK is loaded; null without an OTLP endpoint. */
  tracer: () => CallTracer | null;
  /** TOOLWIRE_AUDIT_ARGS=1. */
  auditArgs: boolean;
  /** Wall-clock ms (the entry's time) and a monotonic ms clock (its duration). */
  now?: () => number;
  monotonic?: () => number;
}

/**
 * What one call's upstream requests came to: the last status, the bytes both ways, the error that ended
 * the last one — told by the HTTP tool through `CallContext.upstream`, with a child span per request.
 */
class CallWatch implements UpstreamWatch {
  attempts = 0;
  status: number | null = null;
  bytesIn = 0;
  bytesOut = 0;
  error: unknown = undefined;

  constructor(
    private readonly span: CallSpan | null,
    private readonly metrics: Metrics | null,
    private readonly provider: string,
  ) {}

  start(method: string, url: string, bytesOut: number): UpstreamAttempt {
    this.attempts++;
    this.bytesOut += bytesOut;
    this.error = undefined;
    const child = this.span?.upstream(method, url) ?? null;
    let ended = false;
    return {
      traceparent: child?.traceparent,
      end: (status, bytesIn, error) => {
        if (ended) return; // told once per request, whatever path ends it
        ended = true;
        this.status = status;
        this.bytesIn += bytesIn;
        this.error = error;
        if (status !== null) this.metrics?.upstreamStatus(this.provider, status);
        child?.end(status, bytesIn, error);
      },
    };
  }
}

/**
 * The one observer around every tool call (SPEC §12), on every path that answers `tools/call` (the fast
 * path, the SDK's handlers, stdio): rate limits first (a call over one is answered at once and nothing is
 * sent), then the call with an upstream watch, then its outcome counted (metrics), queued for the audit
 * log (never written here) and its span ended. Costs a few object allocations and Map lookups per call.
 *
 * Outcomes: `ok`; `rate_limited`; `refused` — an error before anything was sent (invalid arguments, a
 * missing credential, a token that could not be fetched, a blocked address); `timeout` — the API's
 * deadline passed; `upstream_error` — the API answered 5xx, the connection failed, or an upstream MCP
 * server was unreachable; `tool_error` — any other error result (an API's 4xx, an upstream MCP tool's own
 * error, an answer that broke its output schema).
 */
export function createCallObserver(deps: CallObserverDeps): Invoke {
  const now = deps.now ?? Date.now;
  const monotonic = deps.monotonic ?? (() => performance.now());
  const { audit, limits } = deps;

  function finish(entry: ToolEntry, actor: string, args: Record<string, unknown>, started: number, outcome: CallOutcome, watch: CallWatch | null) {
    const durationMs = monotonic() - started;
    deps.metrics()?.call(entry.definition.name, entry.providerCode, outcome, durationMs / 1000);
    if (!audit) return;
    const record: CallRecord = {
      at: new Date(now()).toISOString(),
      actor,
      tool: entry.definition.name,
      provider: entry.providerCode,
      outcome,
      status: watch?.status ?? null,
      durationMs: Math.round(durationMs * 100) / 100,
      bytesIn: watch?.bytesIn ?? 0,
      bytesOut: watch?.bytesOut ?? 0,
      arguments: deps.auditArgs ? redactArguments(args) : null,
    };
    audit.push(record);
  }

  return async (entry, args, context) => {
    const started = monotonic();
    const actor = context.caller ?? OWNER_NAME;
    const refusal = limits.admit(entry.definition.name, entry.providerCode, actor);
    const metrics = deps.metrics();
    if (refusal) {
      metrics?.rateLimited(refusal.kind);
      finish(entry, actor, args, started, 'rate_limited', null);
      return errorResult(limitMessage(refusal));
    }
    const tracer = deps.tracer();
    const span = tracer ? tracer.start(entry.definition.name, entry.providerCode, actor, context.trace) : null;
    const watch = new CallWatch(span, metrics, entry.providerCode);
    const observed: CallContext = { ...context, upstream: watch };
    let result: CallToolResult;
    try {
      result = await entry.invoke(args, observed);
    } catch (err) {
      finish(entry, actor, args, started, 'upstream_error', watch);
      span?.end('upstream_error', (err as Error).message);
      throw err;
    }
    const outcome = outcomeOf(result, watch);
    finish(entry, actor, args, started, outcome, watch);
    span?.end(outcome, null);
    return result;
  };
}

function outcomeOf(result: CallToolResult, watch: CallWatch): CallOutcome {
  if (!result.isError) return 'ok';
  if (watch.attempts === 0) return 'refused';
  const { error, status } = watch;
  if (error !== undefined) {
    const code = isToolwireError(error) ? error.code : null;
    if (code === 'UPSTREAM_TIMEOUT') return 'timeout';
    if (code === 'BLOCKED_ADDRESS') return 'refused';
    return 'upstream_error';
  }
  if (status !== null && status >= 500) return 'upstream_error';
  return 'tool_error';
}

/** Argument names whose values are never recorded, even with TOOLWIRE_AUDIT_ARGS=1. */
const SECRET_NAME = /pass|secret|token|key|auth|credential|cookie|session|signature|private/i;
const MAX_ARGUMENTS_CHARS = 4096;
const MAX_STRING_CHARS = 256;

/**
 * A call's arguments as recorded with TOOLWIRE_AUDIT_ARGS=1: values under secret-looking names replaced
 * by the mask (at any depth), long strings cut, the whole cut at 4 KB.
 */
export function redactArguments(args: Record<string, unknown>): string {
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return value.length > MAX_STRING_CHARS ? `${value.slice(0, MAX_STRING_CHARS)}…` : value;
    if (value === null || typeof value !== 'object') return value;
    if (depth > 8) return '…';
    if (Array.isArray(value)) return value.slice(0, 50).map((item) => walk(item, depth + 1));
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([name, item]) => [name, SECRET_NAME.test(name) ? REDACTED : walk(item, depth + 1)]),
    );
  };
  const text = JSON.stringify(walk(args, 0));
  return text.length > MAX_ARGUMENTS_CHARS ? `${text.slice(0, MAX_ARGUMENTS_CHARS)}…` : text;
}
