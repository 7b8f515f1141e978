import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { Log } from '../../core/log.js';
import type { ToolwireError } from '../../core/errors.js';
import { rpcErrorReply } from '../mcp/errors.js';
import { answerToolCall, asToolCall, type ToolCall } from '../mcp/fast-call.js';
import type { Registry } from '../../registry/registry.js';
import { readJsonBody, sendJson } from './body.js';

/** A JSON-RPC error answer for requests the transport never sees. */
function rpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

/** One of our failures (a body too large or not JSON), answered by the MCP table. */
function rpcFailure(res: ServerResponse, err: ToolwireError): void {
  const reply = rpcErrorReply(err);
  sendJson(res, reply.status, reply.body);
}

/** Seconds a client is asked to wait when every session slot is busy. */
const FULL_RETRY_AFTER_S = 5;

/**
 * Whether a POST may take the tools/call fast path: exactly the headers the SDK transport would
 * accept. Anything else goes to the SDK, which answers with the right 4xx.
 */
function fastPathHeaders(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  const version = req.headers['mcp-protocol-version'];
  return (
    accept.includes('application/json') &&
    accept.includes('text/event-stream') &&
    (req.headers['content-type'] ?? '').includes('application/json') &&
    (version === undefined || (typeof version === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(version)))
  );
}

/** The call, when a POST may take the fast path: a single tools/call with the headers the SDK would accept. */
function fastCall(req: IncomingMessage, body: unknown): ToolCall | null {
  const call = asToolCall(body);
  return call && fastPathHeaders(req) ? call : null;
}

/** Answers a single tools/call POST as JSON (allowed for any POST by the spec). */
async function answerFast(registry: Registry, res: ServerResponse, call: ToolCall, sessionId?: string): Promise<void> {
  const text = JSON.stringify(await answerToolCall(registry, call));
  const headers = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(text))];
  if (sessionId) headers.push('mcp-session-id', sessionId);
  res.writeHead(200, headers);
  res.end(text);
}

/** Answers a single tools/call POST as JSON; false when the request is not one (the SDK answers it). */
async function tryFastCall(registry: Registry, req: IncomingMessage, res: ServerResponse, body: unknown, sessionId?: string): Promise<boolean> {
  const call = fastCall(req, body);
  if (!call) return false;
  await answerFast(registry, res, call, sessionId);
  return true;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
  /** Requests of this session still being answered (GET streams are listeners, not work). */
  busy: number;
}

export interface McpEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  sessionCount(): number;
  close(): Promise<void>;
}

/**
 * `/mcp` over Streamable HTTP with sessions: one SDK transport and server per session, an unknown
 * session id answered 404, DELETE ending a session, idle sessions reaped. At most `maxSessions` are open
 * (TOOLWIRE_MAX_SESSIONS): a new one closes the oldest idle session, or is answered 503 when all are busy,
 * so a client looping on initialize cannot grow memory without bound.
 */
export function createSessionEndpoint(newServer: () => Server, registry: Registry, log: Log, idleMs = 30 * 60_000, maxSessions = 1000): McpEndpoint {
  const sessions = new Map<string, Session>();
  /** Initializes under way: they hold a slot before their session id exists. */
  let opening = 0;

  /** Closes the least recently used session that has no request in progress; false when every one is busy. */
  function evictOldestIdle(): boolean {
    let oldest: [string, Session] | null = null;
    for (const entry of sessions) {
      if (entry[1].busy === 0 && (oldest === null || entry[1].lastSeen < oldest[1].lastSeen)) oldest = entry;
    }
    if (!oldest) return false;
    sessions.delete(oldest[0]);
    log.info(`closed the oldest idle session to make room for a new one (TOOLWIRE_MAX_SESSIONS=${maxSessions})`);
    void oldest[1].transport.close().catch(() => {});
    return true;
  }
  const reaper = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const [id, session] of sessions) {
        if (session.lastSeen < cutoff) {
          log.debug(`reaping idle session ${id}`);
          void session.transport.close();
        }
      }
    },
    Math.min(idleMs, 60_000),
  );
  reaper.unref();

  return {
    async handle(req, res) {
      const sessionId = req.headers['mcp-session-id'];
      let body: unknown;
      if (req.method === 'POST') {
        const parsed = await readJsonBody(req);
        if (!parsed.ok) return rpcFailure(res, parsed.error);
        body = parsed.value;
      }
      if (typeof sessionId === 'string') {
        const session = sessions.get(sessionId);
        if (!session) return rpcError(res, 404, -32001, 'Session not found: it ended or never existed. Initialize a new session.');
        session.lastSeen = Date.now();
        if (req.method === 'GET') return session.transport.handleRequest(req, res, body); // a stream: a listener, not work
        session.busy++;
        // A tools/call on the fast path is busy until it is answered: no 'close' listener per call.
        const call = req.method === 'POST' ? fastCall(req, body) : null;
        if (call) {
          try {
            return await answerFast(registry, res, call, sessionId);
          } finally {
            session.busy--;
            session.lastSeen = Date.now();
          }
        }
        res.once('close', () => {
          session.busy--;
          session.lastSeen = Date.now();
        });
        return session.transport.handleRequest(req, res, body);
      }
      if (req.method !== 'POST' || !isInitializeMessage(body)) {
        return rpcError(res, 400, -32000, 'Bad Request: no valid Mcp-Session-Id header; start with an initialize request.');
      }
      while (sessions.size + opening >= maxSessions) {
        if (!evictOldestIdle()) {
          log.warn(`refused a new session: ${maxSessions} are open and all busy (TOOLWIRE_MAX_SESSIONS)`);
          return rpcError(
            res,
            503,
            -32000,
            `Too many open sessions: all ${maxSessions} allowed (TOOLWIRE_MAX_SESSIONS) are busy. Retry in ${FULL_RETRY_AFTER_S} seconds, or end sessions you no longer use (DELETE /mcp).`,
            { 'retry-after': String(FULL_RETRY_AFTER_S) },
          );
        }
      }
      opening++;
      let reserved = true;
      const release = () => {
        if (reserved) opening--;
        reserved = false;
      };
      try {
        const server = newServer();
        const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            release();
            sessions.set(id, { transport, server, lastSeen: Date.now(), busy: 0 });
          },
        });
        transport.onclose = () => {
          if (transport.sessionId && sessions.get(transport.sessionId)?.transport === transport) sessions.delete(transport.sessionId);
          void server.close().catch(() => {});
        };
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
      } finally {
        release();
      }
    },
    sessionCount: () => sessions.size,
    async close() {
      clearInterval(reaper);
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => {})));
      sessions.clear();
    },
  };
}

function isInitializeMessage(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

/**
 * Stateless `/mcp`: no session ids and JSON answers, so any instance behind a load balancer can serve
 * any request. Each request gets a fresh transport; servers are cheap (the registry is shared).
 */
export function createStatelessEndpoint(newServer: () => Server, registry: Registry): McpEndpoint {
  return {
    async handle(req, res) {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const parsed = await readJsonBody(req);
      if (!parsed.ok) return rpcFailure(res, parsed.error);
      if (await tryFastCall(registry, req, res, parsed.value)) return;
      const server = newServer();
      const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed.value);
    },
    sessionCount: () => 0,
    close: async () => {},
  };
}
