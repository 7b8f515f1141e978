import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ToolwireError } from '../../core/errors.js';
import { rpcCodeOf } from './errors.js';
import type { Registry } from '../../registry/registry.js';

/**
 * The one lean path around the SDK (DESIGN.md allows it where the benchmark shows the SDK dominates
 * `tools/call`): a well-formed `tools/call` request is answered straight from the registry, without
 * the per-message schema parsing of the SDK's transport and Protocol. Anything else — or a call
 * whose shape is not exactly right — goes to the SDK, which answers it (or its error) as usual.
 */
export interface ToolCall {
  id: string | number;
  name: string;
  args: Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The call, if `message` is a single well-formed tools/call request; otherwise null. */
export function asToolCall(message: unknown): ToolCall | null {
  if (!isPlainObject(message) || message.jsonrpc !== '2.0' || message.method !== 'tools/call') return null;
  const { id, params } = message;
  if ((typeof id !== 'string' && typeof id !== 'number') || !isPlainObject(params) || typeof params.name !== 'string') return null;
  const args = params.arguments;
  if (args !== undefined && !isPlainObject(args)) return null;
  return { id, name: params.name, args: args ?? {} };
}

/** A tools/call for a name the registry does not hold (a JSON-RPC invalid-params error, not a tool result). */
export function unknownTool(name: string): ToolwireError {
  return new ToolwireError('NOT_FOUND', `Unknown tool "${name}". Call tools/list for the tools this server offers.`);
}

/** Runs the call and returns the JSON-RPC answer: a result, or invalid-params for an unknown tool. */
export async function answerToolCall(registry: Registry, call: ToolCall): Promise<JSONRPCMessage> {
  const entry = registry.current().entries.get(call.name);
  if (!entry) {
    const err = unknownTool(call.name);
    return { jsonrpc: '2.0', id: call.id, error: { code: rpcCodeOf(err), message: err.message } };
  }
  try {
    return { jsonrpc: '2.0', id: call.id, result: await entry.invoke(call.args, {}) };
  } catch (err) {
    return { jsonrpc: '2.0', id: call.id, error: { code: rpcCodeOf(err), message: `Tool "${call.name}" failed: ${(err as Error).message}` } };
  }
}
