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
import { credentialNeedOf } from '../../core/tool-result.js';
import { readTraceContext, type TraceContext } from '../../core/trace-context.js';
import { invokeTool, type ToolView } from '../../registry/scoped-view.js';
import { rpcCodeOf } from './errors.js';
import { unknownTool } from './server.js';
import type { Caller } from './caller.js';
import { type ConnectLinks, connectInputRequired, connectRefused, declaresUrlElicitation, linkedErrorResult } from './connect-answer.js';
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
  /** 2026-07-28: the request's client capabilities declare URL-mode elicitation (it can be sent to the connect page). */
  urlElicitation: boolean;
  /** 2026-07-28: a retry whose `inputResponses` decline our connect link. */
  connectRefused: boolean;
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
  let urlElicitation = false;
  if (meta !== undefined) {
    if (!isJsonObject(meta)) return null;
    if (PROTOCOL_VERSION_META_KEY in meta) {
      if (!validEnvelope(meta)) return null;
      modern = true;
      urlElicitation = declaresUrlElicitation(meta[CLIENT_CAPABILITIES_META_KEY]);
    }
    trace = readTraceContext(meta[TRACEPARENT_META_KEY], meta[TRACESTATE_META_KEY]);
  }
  return { id, name: params.name, args: args ?? {}, modern, trace, urlElicitation, connectRefused: modern && connectRefused(params.inputResponses) };
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

/** Who calls and how a missing credential of theirs is answered; all absent on stdio (the owner, the plain isError). */
export interface FastCallOptions {
  signal?: AbortSignal | undefined;
  caller?: Caller | undefined;
  /** HTTP: links to the connect page (SPEC §11). */
  connect?: ConnectLinks | undefined;
  /** A 2025-11-25 session whose client declared URL elicitation: such a call is handed to the SDK, which elicits. */
  legacyElicitation?: boolean | undefined;
}

/**
 * Runs the call and returns the JSON-RPC answer: a result, or invalid-params for an unknown tool. Null:
 * the caller lacks a credential and its 2025-11-25 session can be sent `elicitation/create`, which only
 * the SDK's server can do — the endpoint then hands the request to it (nothing was sent upstream).
 */
export async function answerToolCall(view: ToolView, call: ToolCall, options: FastCallOptions = {}): Promise<JSONRPCMessage | null> {
  const entry = view.entries.get(call.name);
  if (!entry) {
    const err = unknownTool(call.name);
    return { jsonrpc: '2.0', id: call.id, error: { code: rpcCodeOf(err), message: err.message } };
  }
  try {
    const { signal, caller, connect } = options;
    let result = await invokeTool(view, entry, call.args, { signal, trace: call.trace, scope: view.scope, caller: caller?.identity.name });
    const need = connect && caller ? credentialNeedOf(result) : undefined;
    if (need) {
      if (!call.modern && options.legacyElicitation) return null;
      const offer = await connect!.offer(need, caller!);
      if (offer && call.modern && call.urlElicitation && !call.connectRefused) {
        const asked = connectInputRequired(need, offer);
        return { jsonrpc: '2.0', id: call.id, result: { ...asked, _meta: { ...asked._meta, [SERVER_INFO_META_KEY]: SERVER_INFO } } };
      }
      if (offer) result = linkedErrorResult(result, offer);
    }
    if (!call.modern) return { jsonrpc: '2.0', id: call.id, result };
    return { jsonrpc: '2.0', id: call.id, result: { ...result, resultType: 'complete', _meta: { ...result._meta, [SERVER_INFO_META_KEY]: SERVER_INFO } } };
  } catch (err) {
    return { jsonrpc: '2.0', id: call.id, error: { code: rpcCodeOf(err), message: `Tool "${call.name}" failed: ${(err as Error).message}` } };
  }
}
