import { createServer, type IncomingMessage, type Server as NodeHttpServer, type ServerResponse } from 'node:http';
import { handleAdmin } from '../admin/router.js';
import type { CompatDeps } from '../compat/deps.js';
import { adminDeps, compatDeps } from './api-deps.js';
import type { App } from '../../app.js';
import { createServerFactory } from '../mcp/server.js';
import { type Caller, ownerCaller } from '../mcp/caller.js';
import { createCallerIndex } from './callers.js';
import { sendJson } from './body.js';
import { bearerMatches, hostAllowList, hostProblem, originProblem, presentedBearer, type GuardOptions } from './guards.js';
import { createJwtVerifier, protectedResourceMetadata } from './oauth.js';
import { createMcpEndpoint, type McpEndpoint } from './mcp-endpoint.js';
import { OWNER_NAME } from '../../core/identity.js';

export interface HttpOptions {
  host: string;
  port: number;
  stateless: boolean;
  /** Client auth off for /mcp only (loopback only; checked by the caller). */
  noAuth: boolean;
  token: string;
}

/** Extra route families (provider tokens, vaults) mounted beside /mcp and /admin. */
export interface ExtraRoute {
  prefix: string;
  /** Header accepted in place of `Authorization: Bearer` (OpenHands' X-Session-API-Key). */
  altTokenHeader?: string;
  unauthorized(res: ServerResponse): void;
  handle(req: IncomingMessage, res: ServerResponse, path: string, deps: CompatDeps): Promise<void>;
}

export interface RunningHttp {
  server: NodeHttpServer;
  endpoint: McpEndpoint;
  url: string;
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
  // The admin and compat APIs get their share of the app, built once here.
  const admin = adminDeps(app);
  const compat = compatDeps(app);
  const endpoint = createMcpEndpoint({
    registry: app.registry,
    log: app.log,
    // --stateless: 2025-11-25 clients have no stream for list_changed, so they are not promised it.
    factory: createServerFactory(app.registry, { pageSize: app.config.pageSize, legacyListChanged: !options.stateless }),
    stateless: options.stateless,
    maxSessions: app.config.maxSessions,
    fastPath: app.config.fastPath,
  });
  app.ops.metrics?.connections({ sessions: () => endpoint.sessionCount(), listenStreams: () => endpoint.listenCount() });
  const { oauthIssuer, oauthAudience, publicUrl, allowedHosts } = app.config;
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

  const callers = createCallerIndex(app.catalog, app.registry);
  /**
   * Who a /mcp request is from, or null (401): the owner's static token (or --no-auth); a client
   * identity's token (SPEC §11, looked up in memory); a JWT from the configured issuer for this
   * server's audience, which for now acts as the owner on /mcp (identities from `sub`: not yet).
   */
  async function mcpCaller(req: IncomingMessage): Promise<Caller | null> {
    const owner = () => ownerCaller(callers.anyClients() ? 'private' : 'public');
    if (options.noAuth || bearerMatches(req, options.token)) return owner();
    const presented = presentedBearer(req);
    if (presented === null) return null;
    const client = callers.find(presented);
    if (client) return client;
    return jwt !== null && (await jwt.verify(presented, oauthAudience ?? resource(req))) ? owner() : null;
  }

  /** /admin: the owner's static token, or a client identity made with --admin; another client is known but refused (403). */
  function adminAccess(req: IncomingMessage): { access: 'allowed'; who: string } | { access: 'forbidden' | 'unknown' } {
    if (bearerMatches(req, options.token)) return { access: 'allowed', who: OWNER_NAME };
    const presented = presentedBearer(req);
    const client = presented === null ? null : callers.find(presented);
    if (!client) return { access: 'unknown' };
    return client.identity.admin ? { access: 'allowed', who: client.identity.name } : { access: 'forbidden' };
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
    const isMetadata = jwt !== null && (path === METADATA_PATH || path === `${METADATA_PATH}/mcp`);
    const isMcp = path === '/mcp';
    const isAdmin = path === '/admin' || path.startsWith('/admin/');
    const extra = extraRoutes.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`));
    if (!isMetadata && !isMcp && !isAdmin && !extra) return sendJson(res, 404, { error: 'not_found', message: `No route ${path}. The MCP endpoint is /mcp.` });
    const problem = hostProblem(req, guard) ?? (isMetadata ? null : originProblem(req, guard));
    if (problem) return sendJson(res, 403, { error: 'forbidden', message: `Forbidden: ${problem}.` });
    // Public metadata (any Origin may read it), but its resource is this server's, never a reflected Host.
    if (isMetadata && jwt) return sendJson(res, 200, protectedResourceMetadata(resource(req), jwt.issuer));
    if (isMcp) {
      const caller = await mcpCaller(req);
      if (!caller) return unauthorized(res, metadataUrl(req));
      return endpoint.handle(req, res, caller);
    }
    if (isAdmin) {
      const granted = adminAccess(req);
      if (granted.access === 'unknown') return unauthorized(res, null);
      if (granted.access !== 'allowed') {
        return sendJson(res, 403, {
          error: 'forbidden',
          message:
            'Forbidden: this client identity has no admin rights. Use the owner token (TOOLWIRE_TOKEN), or a client made with `toolwire client add NAME --admin`.',
        });
      }
      // Admin changes are audited as made by this identity (SPEC §12).
      return handleAdmin(req, res, path.slice('/admin'.length), { ...admin, catalog: admin.catalog.as(granted.who) });
    }
    if (extra) {
      if (!bearerMatches(req, options.token, extra.altTokenHeader)) return extra.unauthorized(res);
      return extra.handle(req, res, path.slice(extra.prefix.length), { ...compat, catalog: compat.catalog.as(OWNER_NAME) });
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
  return {
    server,
    endpoint,
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
