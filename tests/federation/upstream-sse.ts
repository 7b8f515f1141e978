import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** A real upstream MCP server over the older HTTP+SSE transport, accepting one bearer token. */
export async function startSseUpstream(token: string): Promise<{ url: string; authorizations: string[]; stop(): Promise<void> }> {
  const authorizations: string[] = [];
  const transports = new Map<string, SSEServerTransport>();
  const http: HttpServer = createServer((req, res) => {
    authorizations.push(`${req.method} ${req.headers.authorization ?? ''}`);
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      const server = new Server({ name: 'fixture-sse', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, () => ({
        tools: [{ name: 'hello', description: 'Says hello', inputSchema: { type: 'object', properties: { who: { type: 'string' } } } }],
      }));
      server.setRequestHandler(CallToolRequestSchema, (request) => ({
        content: [{ type: 'text', text: `hello ${String(request.params.arguments?.who ?? '')}` }],
      }));
      void server.connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && url.pathname === '/messages' && transport) return void transport.handlePostMessage(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/sse`,
    authorizations,
    stop: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
