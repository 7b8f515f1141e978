import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  TRACEPARENT_META_KEY,
  TRACESTATE_META_KEY,
  type JSONRPCMessage,
} from '@modelcontextprotocol/server';
import { isJsonObject } from '../../core/json.js';
import { readTraceContext, type TraceContext } from '../../core/trace-context.js';
import { invokeTool, type ToolView } from '../../registry/scoped-view.js';
import { rpcCodeOf } from './errors.js';
import { unknownTool } from './server.js';
import { MODERN_VERSION, SERVER_INFO } from './versions.js';

/**
 * The one lean path around the SDK (DESIGN.md allows it where the benchmark shows the SDK dominates
 * `tools/call`): a well-formed `tools/call` request is answered straight from the registry, without
 * the per-message schema parsing of the SDK. It takes only the exact happy path of either revision;
 * anything else — a call whose shape or envelope is not exactly right — goes to the SDK, which
 * answers it (or its error) as usual.
 */
export interface ToolCall {
  id: string | number;
  name: string;
  args: Record<string, unknown>;
  /** 2026-07-28: the request carried a valid envelope, and the answer must carry `resultType` and `serverInfo`. */
  modern: boolean;
  /** The caller's W3C trace context from `_meta` (the HTTP endpoint falls back to its headers). */
  trace: TraceContext | undefined;
}

/** The call, if `message` is a single well-formed tools/call request of either revision; otherwise null. */
export function asToolCall(message: unknown): ToolCall | null {
  if (!isJsonObject(message) || message.jsonrpc !== '2.0' || message.method !== 'tools/call') return null;
  const { id, params } = message;
  if ((typeof id !== 'string' && typeof id !== 'number') || !isJsonObject(params) || typeof params.name !== 'string') return null;
  const args = params.arguments;
  if (args !== undefined && !isJsonObject(args)) return null;
  const meta = params._meta;
  let modern = false;
  let trace: TraceContext | undefined;
  if (meta !== undefined) {
    if (!isJsonObject(meta)) return null;
    if (PROTOCOL_VERSION_META_KEY in meta) {
      if (!validEnvelope(meta)) return null;
      modern = true;
    }
    trace = readTraceContext(meta[TRACEPARENT_META_KEY], meta[TRACESTATE_META_KEY]);
  }
  return { id, name: params.name, args: args ?? {}, modern, trace };
}

/** The 2026-07-28 envelope exactly as the SDK requires it; a near miss goes to the SDK for its -32602. */
function validEnvelope(meta: Record<string, unknown>): boolean {
  const info = meta[CLIENT_INFO_META_KEY];
  return (
    meta[PROTOCOL_VERSION_META_KEY] === MODERN_VERSION &&
    isJsonObject(info) &&
    typeof info.name === 'string' &&
    typeof info.version === 'string' &&
    isJsonObject(meta[CLIENT_CAPABILITIES_META_KEY])
  );
}

/** Runs the call and returns the JSON-RPC answer: a result, or invalid-params for an unknown tool. `caller`: the identity name (absent: the owner). */
export async function answerToolCall(view: ToolView, call: ToolCall, signal?: AbortSignal, caller?: string): Promise<JSONRPCMessage> {
  const entry = view.entries.get(call.name);
  if (!entry) {
    const err = unknownTool(call.name);
    return { jsonrpc: '2.0', id: call.id, error: { code: rpcCodeOf(err), message: err.message } };
  }
  try {
    const result = await invokeTool(view, entry, call.args, { signal, trace: call.trace, scope: view.scope, caller });
    if (!call.modern) return { jsonrpc: '2.0', id: call.id, result };
    return { jsonrpc: '2.0', id: call.id, result: { ...result, resultType: 'complete', _meta: { ...result._meta, [SERVER_INFO_META_KEY]: SERVER_INFO } } };
  } catch (err) {
    return { jsonrpc: '2.0', id: call.id, error: { code: rpcCodeOf(err), message: `Tool "${call.name}" failed: ${(err as Error).message}` } };
  }
}
