import { createServer, type IncomingMessage, type Server as NodeHttpServer, type ServerResponse } from 'node:http';
import { handleAdmin } from '../admin/router.js';
import type { CompatDeps } from '../compat/deps.js';
import { adminDeps, compatDeps, connectDeps, signInDeps } from './api-deps.js';
import { CALLBACK_PATH, handleConnectCallback } from '../connect/callback.js';
import type { ConnectDeps } from '../connect/deps.js';
import { createConnectLinks } from '../connect/links.js';
import { handleConnect } from '../connect/routes.js';
import type { SignInDeps } from '../connect/sign-in-deps.js';
import { createTicketBook, type TicketBookOptions } from '../connect/tickets.js';
import type { App } from '../../app.js';
import { createServerFactory } from '../mcp/server.js';
import { type Caller, clientCaller, ownerCaller } from '../mcp/caller.js';
import { createCallerIndex } from './callers.js';
import { sendJson } from './body.js';
import { bearerMatches, hostAllowList, hostProblem, isLoopbackHost, originProblem, presentedBearer, tokenMatches, type GuardOptions } from './guards.js';
import { createUiHandler } from '../ui/routes.js';
import { createSessionBook } from '../ui/sessions.js';
import { OWNER_NAME } from '../../core/identity.js';
import { createJwtVerifier, protectedResourceMetadata } from './oauth.js';
import { createMcpEndpoint, type McpEndpoint } from './mcp-endpoint.js';
import { sendPage } from '../connect/page.js';

export interface HttpOptions {
  host: string;
  port: number;
  stateless: boolean;
  /** Client auth off for /mcp only (loopback only; checked by the caller). */
  noAuth: boolean;
  token: string;
  /** The connect page (SPEC §11): the ticket clock and lifetime (tests), and the OAuth 2 sign-in start when wired. */
  connect?: TicketBookOptions & { authorizationUrl?: ConnectDeps['authorizationUrl'] };
}

/** Extra route families (provider tokens, vaults) mounted beside /mcp and /admin. */
export interface ExtraRoute {
  prefix: string;
  /** Header accepted in place of `Authorization: Bearer` (OpenHands' X-Session-API-Key). */
  altTokenHeader?: string;
  unauthorized(res: ServerResponse): void;
  /** `caller`: who sent it (SPEC §11): `owner` (TOOLWIRE_TOKEN), or a client identity's name. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, deps: CompatDeps, caller: string): Promise<void>;
}

export interface RunningHttp {
  server: NodeHttpServer;
  endpoint: McpEndpoint;
  url: string;
  /** The OAuth 2 sign-in with this server's callback URL (what the connect page redirects to; tests drive it directly too). */
  signIn: SignInDeps;
  close(graceMs?: number): Promise<void>;
}

function unauthorized(res: ServerResponse, metadataUrl: string | null): void {
  const challenge = `Bearer realm="toolwire"${metadataUrl ? `, resource_metadata="${metadataUrl}"` : ''}`;
  sendJson(
    res,
    401,
    { error: 'unauthorized', message: 'Send Authorization: Bearer <token> (the token toolwire printed at start, or TOOLWIRE_TOKEN).' },
    {
      'www-authenticate': challenge,
    },
  );
}

/** After the grace: how long the answers of stopped calls get to be written before connections are closed. */
const ANSWER_FLUSH_MS = 1_000;

const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The name of a Host header value, lower-cased, without its port (`[::1]:8808` → `[::1]`). */
function hostName(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d*$/, '');
}

export async function startHttpServer(app: App, options: HttpOptions, extraRoutes: ExtraRoute[] = []): Promise<RunningHttp> {
  // What is served is the registry's snapshot: built first if the caller has not (`serve` has, with its upstreams).
  if (!app.registry.loaded) await app.registry.load();
  // The admin and compat APIs get their share of the app, built once here.
  const admin = adminDeps(app);
  const compat = compatDeps(app);
  const { oauthIssuer, oauthAudience, publicUrl, allowedHosts } = app.config;
  // Connect links point at TOOLWIRE_PUBLIC_URL, else at the address listened on (known once listening).
  let listening = '';
  const tickets = createTicketBook({ ...options.connect, rows: app.catalog.shared.tickets, warn: (message) => app.log.warn(message) });
  const connect = createConnectLinks(tickets, () => publicUrl ?? listening);
  const endpoint = createMcpEndpoint({
    registry: app.registry,
    log: app.log,
    // --stateless: 2025-11-25 clients have no stream for list_changed, so they are not promised it.
    factory: createServerFactory(app.registry, { pageSize: app.config.pageSize, legacyListChanged: !options.stateless, connect }),
    stateless: options.stateless,
    maxSessions: app.config.maxSessions,
    fastPath: app.config.fastPath,
    connect,
  });
  // Metrics are loaded only here: what serves /metrics (stdio and CLI commands never load prom-client).
  (await app.ops.enableMetrics())?.connections({ sessions: () => endpoint.sessionCount(), listenStreams: () => endpoint.listenCount() });
  // `hosts` is filled in once the port is known (port 0 picks one at listen).
  const guard: GuardOptions = {
    bindHost: options.host,
    port: options.port,
    allowedOrigins: app.config.allowedOrigins,
    hosts: { exact: new Set(), anyPort: new Set() },
    publicOrigin: publicUrl ? new URL(publicUrl).origin : null,
  };
  const jwt = oauthIssuer ? createJwtVerifier(oauthIssuer, app.log) : null;
  /**
   * This server's base URL as the client sees it: TOOLWIRE_PUBLIC_URL, else the request's Host — only
   * ever called after that Host passed the exact check, so an attacker's name is never reflected.
   */
  // A port-less TOOLWIRE_ALLOWED_HOSTS name accepts any port in Host: such a port is the client's pick,
  // and the audience must not follow it; the bound port stands in. A Host without a port (a proxy on
  // the default port), with the bound port, or listed exactly is taken as it is.
  const base = (req: IncomingMessage) => {
    if (publicUrl) return publicUrl;
    const host = (req.headers.host as string).toLowerCase();
    const name = hostName(host);
    const trusted = host === name || host === `${name}:${guard.port}` || guard.hosts.exact.has(host);
    return `http://${trusted ? host : `${name}:${guard.port}`}`;
  };
  /** The RFC 9728 resource (this server's /mcp URL), also the default JWT audience (RFC 8707). */
  const resource = (req: IncomingMessage) => `${base(req)}/mcp`;
  const metadataUrl = (req: IncomingMessage) => (jwt ? `${base(req)}${METADATA_PATH}` : null);

  const callers = createCallerIndex(app.clientTokens, app.registry);
  // Bound to the callback URL once the port is known (port 0 picks one at listen); nothing arrives before.
  let signIn: SignInDeps = signInDeps(app, CALLBACK_PATH);
  /**
   * The client identity a presented token is: a client token (in memory), or a JWT from the configured
   * issuer for this server's audience, acting as the identity of its `sub` — made on first use with the
   * configured default scope (one write, the first time a subject is seen; then a lookup in memory).
   */
  async function clientOf(token: string, req: IncomingMessage): Promise<Caller | null> {
    const client = callers.find(token);
    if (client) return client;
    const subject = jwt === null ? null : await jwt.verify(token, oauthAudience ?? resource(req));
    if (subject === null) return null;
    return callers.findSubject(subject) ?? clientCaller(await app.catalog.clients.subjectClient(subject, app.config.oauthDefaultScope));
  }
  const identify: ConnectDeps['identify'] = async (token, req) => (await clientOf(token, req))?.identity ?? null;
  const authorizationUrl: ConnectDeps['authorizationUrl'] =
    options.connect?.authorizationUrl ?? ((provider, clientName) => signIn.authorizationUrl(provider.id, clientName));
  const connectPage = connectDeps(app, tickets, identify, authorizationUrl);
  /**
   * Who a /mcp request is from, or null (401): the owner's static token (or --no-auth); a client
   * identity's token or a JWT (`clientOf`).
   */
  async function mcpCaller(req: IncomingMessage): Promise<Caller | null> {
    const owner = () => ownerCaller(callers.anyClients() ? 'private' : 'public');
    if (options.noAuth || bearerMatches(req, options.token)) return owner();
    const presented = presentedBearer(req);
    return presented === null ? null : clientOf(presented, req);
  }

  /** /admin: the owner's static token, or a client identity made with --admin; another client is known but refused (403). */
  function adminAccess(presented: string | null): { access: 'allowed'; who: string; caller: Caller } | { access: 'forbidden' | 'unknown' } {
    if (presented !== null && tokenMatches(presented, options.token)) return { access: 'allowed', who: OWNER_NAME, caller: ownerCaller('private') };
    const client = presented === null ? null : callers.find(presented);
    if (!client) return { access: 'unknown' };
    return client.identity.admin ? { access: 'allowed', who: client.identity.name, caller: client } : { access: 'forbidden' };
  }

  /** An admin request as the holder of an allowed token: changes audited as made by that identity (SPEC §12). */
  function serveAdmin(req: IncomingMessage, res: ServerResponse, path: string, granted: { who: string; caller: Caller }): Promise<void> {
    return handleAdmin(req, res, path, { ...admin, catalog: admin.catalog.as(granted.who), caller: granted.caller });
  }

  // The web admin (SPEC §16): its sessions hold the token signed in with, and every request is re-checked with it.
  const ui = createUiHandler({
    sessions: createSessionBook({ rows: app.catalog.shared.sessions }),
    access: (token) => adminAccess(token),
    admin: async (req, res, path, token) => {
      const granted = adminAccess(token);
      if (granted.access !== 'allowed') return unauthorized(res, null);
      return serveAdmin(req, res, path, granted);
    },
    secureCookie: !isLoopbackHost(options.host.replace(/^\[(.*)\]$/, '$1')) || (publicUrl?.startsWith('https:') ?? false),
    log: app.log,
  });

  /**
   * Who sent a compatibility request (OpenHands, Qoder): the owner's token, or a client identity's (its own
   * credentials and vaults, SPEC §11), as `Authorization: Bearer` or the route's own header; null: 401.
   */
  function compatCaller(req: IncomingMessage, altHeader: string | undefined): string | null {
    if (bearerMatches(req, options.token, altHeader)) return OWNER_NAME;
    let presented = presentedBearer(req);
    if (presented === null && altHeader) {
      const value = req.headers[altHeader];
      presented = typeof value === 'string' ? value.trim() : null;
    }
    return presented ? (callers.find(presented)?.identity.name ?? null) : null;
  }

  /** Load balancers get `ok`; counts are for the token holder only (issue 10: /health said too much to anyone). */
  function health(req: IncomingMessage, res: ServerResponse): void {
    const trusted = hostProblem(req, guard) === null && bearerMatches(req, options.token);
    sendJson(res, 200, trusted ? { status: 'ok', tools: app.registry.current().definitions.length } : { status: 'ok' });
  }

  /** GET /metrics (SPEC §12): Prometheus text for the owner's token, or anyone with TOOLWIRE_METRICS_PUBLIC=1. */
  async function metrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const source = app.ops.metrics;
    if (!source) return sendJson(res, 404, { error: 'not_found', message: 'Metrics are off (TOOLWIRE_METRICS=0).' });
    const problem = hostProblem(req, guard);
    if (problem) return sendJson(res, 403, { error: 'forbidden', message: `Forbidden: ${problem}.` });
    if (!app.config.metricsPublic && !bearerMatches(req, options.token)) return unauthorized(res, null);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed on /metrics; use GET.` }, { allow: 'GET, HEAD' });
    }
    const text = await source.text();
    res.writeHead(200, { 'content-type': source.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (path === '/health') return health(req, res);
    if (path === '/metrics') return metrics(req, res);
    // The browser comes back from the authorization server: no bearer token, the single-use state is the proof.
    if (path === CALLBACK_PATH) {
      const problem = hostProblem(req, guard);
      if (problem) return sendJson(res, 403, { error: 'forbidden', message: `Forbidden: ${problem}.` });
      return handleConnectCallback(req, res, signIn);
    }
    const isMetadata = jwt !== null && (path === METADATA_PATH || path === `${METADATA_PATH}/mcp`);
    const isMcp = path === '/mcp';
    const isAdmin = path === '/admin' || path.startsWith('/admin/');
    const isUi = path === '/ui' || path.startsWith('/ui/');
    // /connect/{ticket}: one segment, and not the OAuth 2 callback (another route's).
    const connectTicket = /^\/connect\/([^/]+)$/.exec(path)?.[1];
    const isConnect = connectTicket !== undefined && connectTicket !== 'callback';
    const extra = extraRoutes.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`));
    if (!isMetadata && !isMcp && !isAdmin && !isUi && !isConnect && !extra)
      return sendJson(res, 404, { error: 'not_found', message: `No route ${path}. The MCP endpoint is /mcp.` });
    // The connect page is opened from anywhere (a GET), but only this server's own page may post to it.
    const problem = hostProblem(req, guard) ?? (isMetadata || (isConnect && req.method === 'GET') ? null : originProblem(req, guard));
    if (problem && isConnect) return sendPage(res, 403, 'Forbidden', [`This request was refused: ${problem}. Send the form from the page itself.`]);
    if (problem) return sendJson(res, 403, { error: 'forbidden', message: `Forbidden: ${problem}.` });
    if (isConnect) return handleConnect(req, res, connectTicket, connectPage);
    // The web admin: its own session cookie and CSRF token; never a bearer token's routes.
    if (isUi) return ui(req, res, path.slice('/ui'.length));
    // Public metadata (any Origin may read it), but its resource is this server's, never a reflected Host.
    if (isMetadata && jwt) return sendJson(res, 200, protectedResourceMetadata(resource(req), jwt.issuer));
    if (isMcp) {
      const caller = await mcpCaller(req);
      if (!caller) return unauthorized(res, metadataUrl(req));
      return endpoint.handle(req, res, caller);
    }
    if (isAdmin) {
      const granted = adminAccess(bearerMatches(req, options.token) ? options.token : presentedBearer(req));
      if (granted.access === 'unknown') return unauthorized(res, null);
      if (granted.access !== 'allowed') {
        return sendJson(res, 403, {
          error: 'forbidden',
          message:
            'Forbidden: this client identity has no admin rights. Use the owner token (TOOLWIRE_TOKEN), or a client made with `toolwire client add NAME --admin`.',
        });
      }
      return serveAdmin(req, res, path.slice('/admin'.length), granted);
    }
    if (extra) {
      const caller = compatCaller(req, extra.altTokenHeader);
      if (caller === null) return extra.unauthorized(res);
      // Changes made through the compat APIs are audited as made by the calling identity (SPEC §12).
      return extra.handle(req, res, path.slice(extra.prefix.length), { ...compat, catalog: compat.catalog.as(caller) }, caller);
    }
  }

  // Requests that must finish before a graceful stop; GET /mcp streams are listeners, not work.
  let inFlight = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'GET') {
      inFlight++;
      res.once('close', () => inFlight--);
    }
    route(req, res).catch((err: unknown) => {
      app.log.error(`request ${req.method} ${req.url?.split('?')[0]} failed: ${(err as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'toolwire failed to handle this request; the server log says why.' });
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  guard.port = port;
  guard.hosts = hostAllowList({ bindHost: options.host, port, publicUrl, allowedHosts });
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  listening = `http://${shownHost}:${port}`;
  signIn = signInDeps(app, `${publicUrl ?? listening}${CALLBACK_PATH}`);
  return {
    server,
    endpoint,
    signIn,
    url: `http://${shownHost}:${port}/mcp`,
    /**
     * Stops accepting, lets in-flight requests finish (up to graceMs), then ends sessions and connections.
     * Tool calls still waiting on an API when the grace ends are answered (an isError result saying the
     * server is shutting down) rather than cut off, and the stop does not wait for those APIs.
     */
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const waitFor = async (ms: number) => {
        const deadline = Date.now() + ms;
        while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await waitFor(graceMs);
      if (inFlight > 0) {
        const running = inFlight;
        const stopped = app.stopCalls();
        app.log.warn(
          `${running} request(s) still running after the ${graceMs / 1000} s grace; ${stopped} tool call(s) waiting on an API were answered that the server is shutting down`,
        );
        await waitFor(ANSWER_FLUSH_MS); // those answers go out now; anything else is cut below
      }
      await endpoint.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
