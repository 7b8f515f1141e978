import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListToolsResultSchema, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';

/** Pages of tools/list read at most, in case an upstream keeps handing out cursors. */
const MAX_PAGES = 1000;

/**
 * Every tool an upstream offers, following `nextCursor` to the end. Read with `request` rather than
 * `client.listTools`, whose output-schema cache keeps only the last page's tools.
 */
export async function listAllTools(client: Client, timeoutMs: number): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } }, ListToolsResultSchema, {
      timeout: timeoutMs,
    });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined || seen.has(cursor)) break;
    seen.add(cursor);
  }
  // A tool that can only run as a task cannot be forwarded as a plain call.
  return tools.filter((tool) => tool.execution?.taskSupport !== 'required');
}
