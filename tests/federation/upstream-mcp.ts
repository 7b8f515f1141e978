import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

/**
 * A real upstream MCP server over Streamable HTTP (SDK Server, stateful sessions) on node:http
 * port 0. It accepts only the bearer tokens given, records every Authorization header it gets,
 * pages tools/list two tools at a time, and can add tools with a list_changed to every session.
 */
export interface McpUpstream {
  url: string;
  port: number;
  /** Authorization headers received (including refused ones). */
  authorizations: string[];
  /** Tokens accepted (mutable). */
  accepted: Set<string>;
  addTool(tool: Tool, answer: string): Promise<void>;
  stop(): Promise<void>;
  /** Starts again on the same port. */
  restart(): Promise<void>;
}

const PAGE = 2;

export async function startMcpUpstream(accepted: string[]): Promise<McpUpstream> {
  const tools: Tool[] = [
    {
      name: 'echo_auth',
      description: 'Echoes the Authorization header it received',
      inputSchema: { type: 'object', properties: { note: { type: 'string' } } },
    },
    {
      name: 'multiply',
      title: 'Multiply',
      description: 'Multiplies x by y',
      inputSchema: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'] },
      outputSchema: { type: 'object', properties: { product: { type: 'number' } }, required: ['product'] },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    { name: 'fail', description: 'Always answers with a protocol error', inputSchema: { type: 'object', properties: {} } },
  ];
  const answers = new Map<string, string>();
  const sessions = new Map<string, { server: Server; transport: StreamableHTTPServerTransport }>();
  const state = { authorizations: [] as string[], accepted: new Set(accepted) };

  function newSession(): { server: Server; transport: StreamableHTTPServerTransport } {
    const server = new Server({ name: 'fixture-http', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    server.setRequestHandler(ListToolsRequestSchema, (request) => {
      const start = Number(request.params?.cursor ?? 0);
      const page = { tools: tools.slice(start, start + PAGE) };
      return start + PAGE < tools.length ? { ...page, nextCursor: String(start + PAGE) } : page;
    });
    let authorization = '';
    server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
      authorization = String(extra.requestInfo?.headers.authorization ?? '');
      const { name, arguments: args = {} } = request.params;
      if (name === 'echo_auth') return { content: [{ type: 'text', text: `you sent ${authorization} (note: ${String(args.note ?? '')})` }] };
      if (name === 'multiply') {
        const product = Number(args.x) * Number(args.y);
        return { content: [{ type: 'text', text: String(product) }], structuredContent: { product } };
      }
      if (name === 'fail') throw new Error('the fixture refuses this call');
      const answer = answers.get(name);
      if (answer !== undefined) return { content: [{ type: 'text', text: answer }] };
      throw new Error(`no tool ${name}`);
    });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, { server, transport }),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    return { server, transport };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const authorization = req.headers.authorization ?? '';
    state.authorizations.push(authorization);
    const token = authorization.replace(/^Bearer /, '');
    if (!authorization.startsWith('Bearer ') || !state.accepted.has(token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return existing.transport.handleRequest(req, res);
    if (typeof sessionId === 'string') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
      return;
    }
    const session = newSession();
    await session.server.connect(session.transport);
    return session.transport.handleRequest(req, res);
  }

  let http: HttpServer = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;

  async function stop(): Promise<void> {
    for (const { server } of sessions.values()) await server.close().catch(() => {});
    sessions.clear();
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  }

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    get authorizations() {
      return state.authorizations;
    },
    accepted: state.accepted,
    async addTool(tool, answer) {
      tools.push(tool);
      answers.set(tool.name, answer);
      for (const { server } of sessions.values()) await server.sendToolListChanged().catch(() => {});
    },
    stop,
    async restart() {
      http = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
      await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    },
  };
}
