import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { ToolwireError } from '../../core/errors.js';
import { toMcpError } from './errors.js';
import { unknownTool } from './fast-call.js';
import type { Registry } from '../../registry/registry.js';

export const SERVER_NAME = 'toolwire';
export const SERVER_VERSION = '0.1.0';

export interface McpServerOptions {
  pageSize: number;
}

/**
 * The MCP server for one client connection: `tools/list` (paginated) and `tools/call` straight from
 * the registry's current snapshot, and `list_changed` whenever the registry is swapped.
 */
export function createMcpServer(registry: Registry, options: McpServerOptions): Server {
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: { listChanged: true } },
      instructions: 'Tools of HTTP APIs configured in toolwire. Each tool calls one API endpoint with the credentials toolwire holds.',
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, (request) => {
    const { definitions } = registry.current();
    const start = decodeCursor(request.params?.cursor);
    const end = start + options.pageSize;
    const page = { tools: definitions.slice(start, end) as typeof definitions extends readonly (infer T)[] ? T[] : never };
    return end < definitions.length ? { ...page, nextCursor: encodeCursor(end) } : page;
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const entry = registry.current().entries.get(request.params.name);
    if (!entry) {
      throw toMcpError(unknownTool(request.params.name));
    }
    return entry.invoke(request.params.arguments ?? {}, { signal: extra.signal });
  });

  const unsubscribe = registry.onChange(() => {
    if (server.transport) server.sendToolListChanged().catch(() => {});
  });
  const previousOnClose = server.onclose;
  server.onclose = () => {
    unsubscribe();
    previousOnClose?.();
  };
  return server;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw toMcpError(new ToolwireError('INVALID_INPUT', 'Invalid cursor: pass the nextCursor of a previous tools/list answer.'));
  return Number(match[1]);
}
