import type { CallToolResult } from '@modelcontextprotocol/server';

/**
 * The parsed (already masked) JSON value of an answer, carried on its result under a symbol (never on
 * the wire), so projection and the budget never parse the answer a second time.
 */
const JSON_VALUE = Symbol('toolwire.jsonValue');

type Marked = CallToolResult & { [JSON_VALUE]?: unknown };

export function withJsonValue(result: CallToolResult, value: unknown): CallToolResult {
  (result as Marked)[JSON_VALUE] = value;
  return result;
}

/** The answer's JSON value, or undefined when it was not JSON. */
export function jsonValueOf(result: CallToolResult): unknown {
  return (result as Marked)[JSON_VALUE];
}

export function isJsonAnswer(result: CallToolResult): boolean {
  return JSON_VALUE in result;
}
