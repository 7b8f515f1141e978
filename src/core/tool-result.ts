import type { CallToolResult } from '@modelcontextprotocol/server';

/** A failed tool call as agents see it: one text block, `isError` set (never a JSON-RPC error). */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
