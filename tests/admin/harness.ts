import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleAdmin } from '../../src/inbound/admin/router.js';
import { adminDeps } from '../../src/inbound/http/api-deps.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Log } from '../../src/core/log.js';
import { fetchJson, type JsonAnswer } from '../helpers/fetch-json.js';

/** One answer of the admin API, body kept as text so tests can search it for secrets. */
export type Answer = JsonAnswer;

export interface AdminHarness {
  app: App;
  base: string;
  /** Every response body the API sent, for the "no secret ever leaves" checks. */
  bodies: string[];
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A fresh database and app, served on 127.0.0.1:0 the way the real HTTP server routes `/admin/*`. */
export async function startAdmin(env: Record<string, string> = {}, log?: Log): Promise<AdminHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'toolwire-admin-'));
  const app = await createApp(
    loadConfig({ TOOLWIRE_DB: join(dir, 'test.db'), TOOLWIRE_SECRET_KEY: 'ab'.repeat(32), TOOLWIRE_LOG_LEVEL: 'silent', ...env }),
    ...(log ? [log] : []),
  );
  await app.registry.load(); // as `serve --http` does before serving
  const deps = adminDeps(app);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/admin' || url.pathname.startsWith('/admin/')) {
      void handleAdmin(req, res, url.pathname.slice('/admin'.length), deps);
    } else {
      res.writeHead(404).end();
    }
  });
  const base = await listen(server);
  const bodies: string[] = [];
  return {
    app,
    base,
    bodies,
    async call(method, path, body, headers = {}) {
      const answer = await fetchJson(`${base}/admin${path}`, method, body, headers);
      bodies.push(answer.text);
      return answer;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A request as the upstream API received it. */
export interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Upstream {
  origin: string;
  received: Received[];
  /** Requests to paths other than `/token`. */
  calls(): Received[];
  /** Requests to `/token` (the dynamic-auth endpoint). */
  tokenRequests(): Received[];
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * A real API on 127.0.0.1:0 that records everything: `/token` answers an access token, a path ending in `/fail`
 * answers 500, anything else 200 with `{ ok: true, path }`.
 */
export async function startUpstream(): Promise<Upstream> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      received.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (url.pathname === '/token') reply(res, 200, { access_token: 'dyn-access-token-1', expires_in: 3600 });
      else if (url.pathname.endsWith('/fail')) reply(res, 500, { error: 'broken' });
      else reply(res, 200, { ok: true, path: url.pathname });
    });
  });
  const origin = await listen(server);
  return {
    origin,
    received,
    calls: () => received.filter((r) => r.path !== '/token'),
    tokenRequests: () => received.filter((r) => r.path === '/token'),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The values that must never appear in an admin answer. */
export function leaked(bodies: string[], secrets: string[]): string[] {
  return secrets.filter((s) => bodies.some((b) => b.includes(s)));
}
