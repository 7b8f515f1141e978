import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { registerSecurityTools } from '../fixtures/federation-security-tools.mjs';

/**
 * Real upstream MCP servers (SDK Server on node:http, port 0) serving the security fixture tools over
 * Streamable HTTP — answers as JSON bodies (`json`) or as SSE streams (`sse`) — or over the older
 * HTTP+SSE transport (`legacy`). They accept one bearer token. Two calls are answered by hand, past
 * the SDK, to send what a hostile server would:
 * - `flood` {bytes}: (Streamable HTTP) a JSON answer streamed in 64 KiB writes, with backpressure,
 *   until `bytes` or until the client hangs up; `written()` tells how many bytes got out;
 * - `flood_sse` {bytes}: (Streamable HTTP) one SSE event of `bytes`, written `{"jsonrpc","id","result"…}`
 *   as Python servers order it, then a small notification event.
 */
export type UpstreamMode = 'json' | 'sse' | 'legacy';

export interface SecurityUpstream {
  url: string;
  /** Bytes of the last `flood` answer that were written before it ended or the client hung up. */
  written(): number;
  /** Resolves when the last `flood` answer stopped being written. */
  floodEnded(): Promise<void>;
  stop(): Promise<void>;
}

const CHUNK = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSecurityUpstream(mode: UpstreamMode, token: string): Promise<SecurityUpstream> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const legacy = new Map<string, SSEServerTransport>();
  let written = 0;
  let ended: Promise<void> = Promise.resolve();

  const newServer = () => {
    const server = new Server({ name: `fixture-security-${mode}`, version: '1.0.0' }, { capabilities: { tools: {} } });
    registerSecurityTools(server);
    return server;
  };

  function flood(res: ServerResponse, id: unknown, bytes: number): void {
    let markEnd!: () => void;
    ended = new Promise((resolve) => (markEnd = resolve));
    written = 0;
    res.writeHead(200, { 'content-type': 'application/json' });
    const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"`;
    const block = Buffer.alloc(CHUNK, 'z');
    let stopped = false;
    res.on('close', () => {
      stopped = true;
      markEnd();
    });
    const pump = () => {
      while (!stopped && written < bytes) {
        const ok = res.write(written === 0 ? head : block);
        written += written === 0 ? head.length : CHUNK;
        if (!ok) return void res.once('drain', pump);
      }
      if (!stopped) res.end('"}]}}', markEnd);
    };
    pump();
  }

  function floodSse(res: ServerResponse, id: unknown, bytes: number): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`event: message\ndata: {"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"`);
    res.write('s'.repeat(bytes));
    res.write('"}]}}\n\n');
    res.end(`event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"after"}}\n\n`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (mode === 'legacy') {
      if (req.method === 'GET' && url.pathname === '/sse') {
        const transport = new SSEServerTransport('/messages', res);
        legacy.set(transport.sessionId, transport);
        await newServer().connect(transport);
        return;
      }
      const transport = legacy.get(url.searchParams.get('sessionId') ?? '');
      if (req.method === 'POST' && transport) return transport.handlePostMessage(req, res);
      return void res.writeHead(404).end();
    }
    let parsed: unknown;
    if (req.method === 'POST') {
      parsed = JSON.parse(await readBody(req));
      const message = parsed as { method?: string; id?: unknown; params?: { name?: string; arguments?: { bytes?: number } } };
      if (message.method === 'tools/call' && message.params?.name === 'flood') return flood(res, message.id, Number(message.params.arguments?.bytes));
      if (message.method === 'tools/call' && message.params?.name === 'flood_sse') return floodSse(res, message.id, Number(message.params.arguments?.bytes));
    }
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(req, res, parsed);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: mode === 'json',
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    await newServer().connect(transport);
    return transport.handleRequest(req, res, parsed);
  }

  const http: HttpServer = createServer((req, res) => void handle(req, res).catch(() => res.headersSent || res.writeHead(500).end()));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: mode === 'legacy' ? `http://127.0.0.1:${port}/sse` : `http://127.0.0.1:${port}/mcp`,
    written: () => written,
    floodEnded: () => ended,
    stop: async () => {
      for (const transport of [...sessions.values(), ...legacy.values()]) await transport.close().catch(() => {});
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
