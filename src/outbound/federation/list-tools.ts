import type { Client, Tool as McpTool } from '@modelcontextprotocol/client';

/** Pages of tools/list read at most, in case an upstream keeps handing out cursors. */
const MAX_PAGES = 1000;

/**
 * Every tool an upstream offers, following `nextCursor` to the end. Read with plain requests rather
 * than `client.listTools`, which stops at 64 pages and serves (and fills) the SDK's response cache:
 * an upstream's `ttlMs` must not hide a change it announces.
 */
export async function listAllTools(client: Client, timeoutMs: number): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } }, { timeout: timeoutMs });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined || seen.has(cursor)) break;
    seen.add(cursor);
  }
  // A tool that can only run as a task cannot be forwarded as a plain call.
  return tools.filter((tool) => tool.execution?.taskSupport !== 'required');
}
