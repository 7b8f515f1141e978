import { randomBytes } from 'node:crypto';

/**
 * W3C trace context (SPEC §10): a caller's `traceparent`/`tracestate` (in a request's `_meta`, or as
 * HTTP headers) is passed on to the upstream request, as a child: same trace id and flags, a new span
 * id, so the API's traces join the agent's. A malformed value is dropped, never forwarded.
 */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** version 00, a 32-hex trace id and a 16-hex parent id (neither all zeros), 2-hex flags (W3C Trace Context §3.2). */
const TRACEPARENT = /^00-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-([0-9a-f]{2})$/;

/** The context the caller sent, if its traceparent is well formed; a tracestate only beside one. */
export function readTraceContext(traceparent: unknown, tracestate: unknown): TraceContext | undefined {
  if (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent)) return undefined;
  // tracestate: printable ASCII list, at most 512 characters as the spec lets a receiver cut it.
  const state = typeof tracestate === 'string' && tracestate.length <= 512 && /^[\x20-\x7e]*$/.test(tracestate) ? tracestate : undefined;
  return state ? { traceparent, tracestate: state } : { traceparent };
}

/** The traceparent of the upstream request: the caller's trace id and flags, a span id of our own. */
export function childTraceparent(parent: string): string {
  const match = TRACEPARENT.exec(parent) as RegExpExecArray;
  return `00-${match[1]}-${randomBytes(8).toString('hex')}-${match[2]}`;
}
