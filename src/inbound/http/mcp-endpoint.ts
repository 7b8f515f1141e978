import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpHttpHandler,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { Log } from '../../core/log.js';
import { readTraceContext } from '../../core/trace-context.js';
import { ToolwireError } from '../../core/errors.js';
import { rpcErrorReply } from '../mcp/errors.js';
import { CallsInFlight } from '../mcp/calls-in-flight.js';
import { answerToolCall, asToolCall, type ToolCall } from '../mcp/fast-call.js';
import { notifyChanges } from '../mcp/server.js';
import { type Caller, nobody } from '../mcp/caller.js';
import { type ConnectLinks, declaresUrlElicitation } from '../mcp/connect-answer.js';
import { scopedView, type ToolView } from '../../registry/scoped-view.js';
import { LEGACY_VERSION, MODERN_VERSION } from '../mcp/versions.js';
import type { Registry } from '../../registry/registry.js';
import { readJsonBody, sendJson } from './body.js';
import { toWebRequest, writeWebResponse } from './web-adapter.js';

/** What TOOLWIRE_INSTANCE may be: short, and safe in a header value and an nginx map key. */
const INSTANCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * The prefix of this instance's legacy session ids (TOOLWIRE_INSTANCE, SPEC §13): `<instance>.<random>`,
 * so a balancer in front of several instances can send every request of a 2025-11-25 session to the
 * instance that holds it (nginx: `map $http_mcp_session_id` on the prefix, examples/deploy/nginx.conf).
 * Unset or empty: plain random ids. Read here, in one place, from the environment.
 */
export function instanceName(env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env['TOOLWIRE_INSTANCE']?.trim() ?? '';
  if (raw === '') return null;
  if (!INSTANCE_NAME.test(raw)) {
    throw new ToolwireError(
      'CONFIG',
      `TOOLWIRE_INSTANCE "${raw.slice(0, 40)}" is not a short instance name: use 1 to 32 lower-case letters, digits and dashes, starting with a letter or digit (like "a" or "web-2"). It prefixes session ids so a load balancer can route on it.`,
    );
  }
  return raw;
}

/** A legacy session id: the instance's name, a dot, then a random UUID (or the UUID alone). */
export function newSessionId(instance: string | null): string {
  return instance === null ? randomUUID() : `${instance}.${randomUUID()}`;
}

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

/** What makes an MCP server for one connection or request; `era` says which revision it will speak, `caller` for whom. */
export type ServerFactory = (context: { era: 'legacy' | 'modern'; caller: Caller }) => McpServer;

export interface McpEndpointOptions {
  registry: Registry;
  log: Log;
  /** 2026-07-28 requests, and 2025-11-25 sessions. */
  factory: ServerFactory;
  /** `--stateless`: 2025-11-25 clients get no session (and a server that does not promise `list_changed`). */
  stateless: boolean;
  idleMs?: number;
  maxSessions?: number;
  /** TOOLWIRE_FAST_PATH: false sends every call through the SDK. */
  fastPath?: boolean;
  /** Links to the connect page for calls whose caller lacks its own credential (SPEC §11); absent: the plain isError. */
  connect?: ConnectLinks;
  /** The session ids' prefix; absent: TOOLWIRE_INSTANCE from the environment (instanceName). */
  instance?: string | null;
}

export interface McpEndpoint {
  /** `caller`: who the request is from (authenticated by the HTTP server before this). */
  handle(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void>;
  sessionCount(): number;
  /** Open 2026-07-28 `subscriptions/listen` streams (SPEC §12 metrics). */
  listenCount(): number;
  close(): Promise<void>;
}

/**
 * Whether a POST may take the tools/call fast path: exactly the headers the SDK would accept for
 * that revision (2026-07-28 also names the method and tool in headers, SPEC §10). Anything else goes
 * to the SDK, which answers with the right error.
 */
function fastPathHeaders(req: IncomingMessage, call: ToolCall): boolean {
  const { headers } = req;
  const accept = headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream') || !(headers['content-type'] ?? '').includes('application/json'))
    return false;
  const version = headers['mcp-protocol-version'];
  if (!call.modern) return version === undefined || version === LEGACY_VERSION || version === '2025-06-18' || version === '2025-03-26';
  if (version !== MODERN_VERSION || headers['mcp-method'] !== 'tools/call' || headers['mcp-name'] !== call.name || headers['mcp-session-id'] !== undefined)
    return false;
  // Mcp-Param-* headers, sent or owed (SEP-2243), are the SDK's to check against the arguments.
  for (const name in headers) if (name.startsWith('mcp-param-')) return false;
  return true;
}

/** Tools whose input schema has an `x-mcp-header` property: their calls go through the SDK's header checks. */
const mirrored = new WeakMap<object, boolean>();
function declaresMcpHeaders(definition: { inputSchema: { properties?: Record<string, object> } }): boolean {
  let known = mirrored.get(definition);
  if (known === undefined) {
    known = Object.values(definition.inputSchema.properties ?? {}).some((property) => 'x-mcp-header' in property);
    mirrored.set(definition, known);
  }
  return known;
}

/** The call, when a POST may take the fast path: a single tools/call with the headers the SDK would accept. */
function fastCall(view: ToolView, req: IncomingMessage, body: unknown): ToolCall | null {
  const call = asToolCall(body);
  if (!call || !fastPathHeaders(req, call)) return null;
  call.trace ??= readTraceContext(req.headers.traceparent, req.headers.tracestate);
  const definition = call.modern ? view.entries.get(call.name)?.definition : undefined;
  return definition && declaresMcpHeaders(definition as Parameters<typeof declaresMcpHeaders>[0]) ? null : call;
}

/**
 * Answers a single tools/call POST as JSON (allowed for any POST by the spec). The client going away
 * first is a cancel: the upstream request is aborted. False: not answered — the caller lacks a
 * credential and its session's client can be sent `elicitation/create`, which the SDK's server does.
 */
async function answerFast(
  view: ToolView,
  res: ServerResponse,
  call: ToolCall,
  caller: Caller,
  connect: ConnectLinks | undefined,
  session?: Session,
): Promise<boolean> {
  // A session's call can also be cancelled by a notifications/cancelled sent on another POST.
  const own = session ? null : new AbortController();
  const signal = own ? own.signal : session!.calls.start(call.id);
  const onClose = () => {
    if (res.writableFinished) return;
    const reason = new Error('the client closed the connection before the answer');
    if (own) own.abort(reason);
    else session!.calls.abort(call.id, reason);
  };
  res.once('close', onClose);
  const legacyElicitation = connect !== undefined && session !== undefined && declaresUrlElicitation(session.server.server.getClientCapabilities());
  const answer = await answerToolCall(view, call, { signal, caller, connect, legacyElicitation });
  res.off('close', onClose);
  session?.calls.end(call.id, signal);
  if (signal.aborted) {
    // Cancelled by a notification on another POST: no answer for the request (MCP), and this POST ends empty.
    if (!res.writableEnded && !res.destroyed) res.writeHead(202).end();
    return true;
  }
  if (answer === null) return false;
  const text = JSON.stringify(answer);
  const headers = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(text))];
  if (session) headers.push('mcp-session-id', session.id);
  res.writeHead(200, headers);
  res.end(text);
  return true;
}

interface Session {
  id: string;
  /** Who opened it: only that identity may use it, and it sees that identity's tools. */
  caller: Caller;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** Its fast-path calls still running, so a notifications/cancelled (on any POST of the session) aborts them. */
  calls: CallsInFlight;
  lastSeen: number;
  /** Requests of this session still being answered (GET streams are listeners, not work). */
  busy: number;
}

/**
 * `/mcp` over Streamable HTTP, both revisions on one URL, chosen per request:
 * - 2026-07-28 (a request whose `_meta` names it): stateless, answered by the SDK's per-request
 *   handler (`server/discover`, `subscriptions/listen`, the envelope and header checks), or by the fast
 *   path for a well-formed `tools/call`.
 * - 2025-11-25: sessions (one SDK transport and server per session, an unknown session id answered
 *   404, DELETE ending a session, idle sessions reaped, at most `maxSessions` open — a new one closes the
 *   oldest idle session, or is answered 503 when all are busy); or, with `--stateless`, a fresh
 *   transport per request answering JSON.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const { registry, log, factory, stateless, connect } = options;
  const viewOf = (caller: Caller) => scopedView(registry.current(), caller.key, caller.scope);
  const fast = options.fastPath === false ? () => null : (view: ToolView, req: IncomingMessage, body: unknown) => fastCall(view, req, body);
  const idleMs = options.idleMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 1000;
  const instance = options.instance === undefined ? instanceName() : options.instance;
  // The caller travels to the per-request server as the request's authInfo (set by `handle` below).
  const modern: McpHttpHandler = createMcpHandler((context) => factory({ era: context.era, caller: (context.authInfo?.extra?.caller as Caller) ?? nobody() }), {
    legacy: 'reject',
    onerror: (err) => log.debug(`MCP 2026-07-28: ${err.message}`),
  });
  const unsubscribe = registry.onChange(() => modern.notify.toolsChanged());
  const sessions = new Map<string, Session>();
  /** `subscriptions/listen` streams open now. */
  let listening = 0;
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
  const reaper = stateless
    ? null
    : setInterval(
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
  reaper?.unref();

  async function legacySession(req: IncomingMessage, res: ServerResponse, request: Request, body: unknown, caller: Caller): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      // A session is its opener's: another identity presenting its id is told it does not exist.
      if (!session || !sameCaller(session.caller, caller))
        return rpcError(res, 404, -32001, 'Session not found: it ended or never existed. Initialize a new session.');
      session.lastSeen = Date.now();
      if (req.method === 'GET') return writeWebResponse(res, await session.transport.handleRequest(request)); // a listener, not work
      session.busy++;
      // A tools/call on the fast path is busy until it is answered: no 'close' listener per call.
      const view = viewOf(session.caller);
      const call = req.method === 'POST' ? fast(view, req, body) : null;
      if (call && !call.modern) {
        let answered = true;
        try {
          answered = await answerFast(view, res, call, session.caller, connect, session);
        } finally {
          if (answered) {
            session.busy--;
            session.lastSeen = Date.now();
          }
        }
        if (answered) return;
        // Not answered: the SDK's server runs the call again and sends elicitation/create (still busy, released on close).
      }
      if (req.method === 'POST') session.calls.cancelFrom(body);
      res.once('close', () => {
        session.busy--;
        session.lastSeen = Date.now();
      });
      return writeWebResponse(res, await session.transport.handleRequest(request, { parsedBody: body }));
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
      const server = factory({ era: 'legacy', caller });
      notifyChanges(server.server, registry);
      const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => newSessionId(instance),
        onsessioninitialized: (id) => {
          release();
          sessions.set(id, { id, caller, transport, server, calls: new CallsInFlight(), lastSeen: Date.now(), busy: 0 });
        },
      });
      transport.onclose = () => {
        const session = transport.sessionId ? sessions.get(transport.sessionId) : undefined;
        if (session?.transport === transport) {
          sessions.delete(session.id);
          session.calls.abortAll();
        }
        void server.close().catch(() => {});
      };
      await server.connect(transport);
      const response = await transport.handleRequest(request, { parsedBody: body });
      // An initialize the SDK refused (406, 415, a batch) made no session: close its server and transport now.
      if (!transport.sessionId || sessions.get(transport.sessionId)?.transport !== transport) void transport.close().catch(() => {});
      await writeWebResponse(res, response);
    } finally {
      release();
    }
  }

  /** `--stateless` for 2025-11-25: no session ids and JSON answers, so any instance can serve any request. */
  async function legacyStateless(req: IncomingMessage, res: ServerResponse, request: Request, body: unknown, caller: Caller): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = factory({ era: 'legacy', caller });
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await writeWebResponse(res, await transport.handleRequest(request, { parsedBody: body }));
  }

  return {
    async handle(req, res, caller) {
      let body: unknown;
      if (req.method === 'POST') {
        const parsed = await readJsonBody(req);
        if (!parsed.ok) return rpcFailure(res, parsed.error);
        body = parsed.value;
        const view = viewOf(caller);
        const call = req.headers['mcp-session-id'] === undefined ? fast(view, req, body) : null;
        if (call && (call.modern || stateless)) {
          await answerFast(view, res, call, caller, connect);
          return;
        }
      }
      const request = toWebRequest(req, res);
      if (!(await isLegacyRequest(request, body))) {
        if (isListen(body)) {
          listening++;
          res.once('close', () => listening--);
        }
        const authInfo = { token: '', clientId: caller.identity.name, scopes: [], extra: { caller } };
        return writeWebResponse(res, await modern.fetch(request, { parsedBody: body, authInfo }));
      }
      return stateless ? legacyStateless(req, res, request, body, caller) : legacySession(req, res, request, body, caller);
    },
    sessionCount: () => sessions.size,
    listenCount: () => listening,
    async close() {
      if (reaper) clearInterval(reaper);
      unsubscribe();
      await modern.close();
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => {})));
      sessions.clear();
    },
  };
}

/**
 * The same identity with the same scope: a client removed and added again under the same name (a new
 * record, perhaps a narrower scope) does not inherit the sessions its old token opened.
 */
function sameCaller(a: Caller, b: Caller): boolean {
  return a.identity.name === b.identity.name && a.identity.createdAt === b.identity.createdAt && a.key === b.key;
}

function isListen(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'subscriptions/listen';
}

function isInitializeMessage(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}
