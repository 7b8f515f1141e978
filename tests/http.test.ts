import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { runCli, runCliAsync } from './helpers/cli.js';
import { tempDir, testEnv } from './helpers/app.js';
import { startServer, type RunningServer } from './helpers/http-server.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/** `toolwire serve --http` as a remote agent and an admin reach it. */
let upstream: Upstream;
let server: RunningServer;
const env = testEnv(tempDir(), { TOOLWIRE_ALLOWED_ORIGINS: 'https://agents.example.com' });

async function connectHttp(url: string, token: string) {
  const client = new Client({ name: 'remote', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  return { client, transport };
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const delay = req.path === '/slow' ? 800 : 0;
    setTimeout(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path, auth: req.headers.authorization ?? null })),
      delay,
    );
  });
  runCli(
    ['provider', 'add', '-'],
    env,
    JSON.stringify({ name: 'Echo', code: 'echo', baseUrl: upstream.url, authenticationType: 'BEARER_TOKEN', apiKeyValue: 'upstream-secret-42' }),
  );
  runCli(['tool', 'add', '-'], env, JSON.stringify({ name: 'Ping', code: 'echo-ping', providerCode: 'echo', endpointPath: '/ping' }));
  runCli(['tool', 'add', '-'], env, JSON.stringify({ name: 'Slow', code: 'echo-slow', providerCode: 'echo', endpointPath: '/slow' }));
  server = await startServer([], env);
});

afterAll(async () => {
  await server.stop();
  await upstream.close();
});

describe('serve --http', () => {
  it('generates a client token once (mode 0600), prints it, and serves an SDK client that presents it', async () => {
    expect(server.token).toMatch(/^tw_/);
    expect(statSync(`${env.TOOLWIRE_DB}.token`).mode & 0o777).toBe(0o600);
    const { client } = await connectHttp(server.url, server.token);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo-ping', 'echo-slow', 'toolwire_read_more']);
    const result = await client.callTool({ name: 'echo-ping' });
    expect(result.structuredContent).toEqual({ path: '/ping', auth: 'Bearer [REDACTED]' });
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer upstream-secret-42'); // the client's token is never forwarded
    await client.close();
  });

  it('answers 401 with WWW-Authenticate without the token, or with a wrong one, on /mcp and /admin', async () => {
    for (const path of ['/mcp', '/admin/providers']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
        const res = await fetch(server.url.replace('/mcp', path), {
          method: path === '/mcp' ? 'POST' : 'GET',
          headers: { 'content-type': 'application/json', ...headers },
          body: path === '/mcp' ? JSON.stringify(initialize) : null,
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    const health = await fetch(server.url.replace('/mcp', '/health'));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' }); // counts only for the token holder (issue 10)
    const detailed = await fetch(server.url.replace('/mcp', '/health'), { headers: { authorization: `Bearer ${server.token}` } });
    expect(await detailed.json()).toMatchObject({ status: 'ok', tools: 3 });
  });

  it('refuses a foreign Origin (403) on /mcp and /admin, accepts its own and the allowed ones', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const own = new URL(server.url).origin;
    expect((await post(server.url, initialize, { ...auth, origin: 'https://evil.example' })).status).toBe(403);
    expect((await fetch(server.url.replace('/mcp', '/admin/providers'), { headers: { ...auth, origin: 'https://evil.example' } })).status).toBe(403);
    expect((await post(server.url, initialize, { ...auth, origin: own })).status).toBe(200);
    expect((await post(server.url, initialize, { ...auth, origin: 'https://agents.example.com' })).status).toBe(200);
    expect((await fetch(server.url.replace('/mcp', '/admin/providers'), { headers: { ...auth, origin: own } })).status).toBe(200);
  });

  it('refuses a foreign Host on a loopback bind (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      const req = request(
        server.url,
        { method: 'POST', headers: { host: 'attacker.example:80', authorization: `Bearer ${server.token}`, 'content-type': 'application/json' } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.end(JSON.stringify(initialize));
    });
    expect(status).toBe(403);
  });

  it('keeps sessions: an unknown session id is 404, DELETE ends a session', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const unknown = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...auth, 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
    const { client, transport } = await connectHttp(server.url, server.token);
    const sessionId = transport.sessionId!;
    expect(sessionId).toBeTruthy();
    await transport.terminateSession();
    const after = await post(
      server.url,
      { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      { ...auth, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
    );
    expect(after.status).toBe(404);
    await client.close();
  });

  it('tells connected HTTP sessions when another process changes the registry', async () => {
    const { client } = await connectHttp(server.url, server.token);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    await client.listTools();
    const add = await runCliAsync(['tool', 'add', '-'], env, JSON.stringify({ name: 'New', code: 'echo-new', providerCode: 'echo', endpointPath: '/new' }));
    expect(add.code, add.stderr).toBe(0);
    await expect.poll(() => changed, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo-new');
    await client.close();
  });

  it('--no-auth is refused off loopback, and never opens /admin', async () => {
    const refused = await runCliAsync(['serve', '--http', '--host', '0.0.0.0', '--port', '0', '--no-auth'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--no-auth is accepted only on a loopback host/);
    const open = await startServer(['--no-auth'], env);
    try {
      expect((await post(open.url, initialize)).status).toBe(200);
      expect((await fetch(open.url.replace('/mcp', '/admin/providers'))).status).toBe(401);
    } finally {
      await open.stop();
    }
  });

  it('on SIGTERM lets an in-flight call finish, then exits 0', async () => {
    const own = await startServer([], env);
    const { client } = await connectHttp(own.url, own.token);
    const pending = client.callTool({ name: 'echo-slow' });
    await expect.poll(() => upstream.requests.some((r) => r.path === '/slow'), { timeout: 5_000 }).toBe(true);
    const code = own.stop('SIGTERM');
    const result = await pending;
    expect(result.isError).toBeFalsy();
    expect(await code).toBe(0);
  });
});

describe('serve --http --stateless', () => {
  it("serves without sessions; two processes on one database take turns and see each other's changes", async () => {
    const a = await startServer(['--stateless'], env);
    const b = await startServer(['--stateless'], env);
    try {
      const auth = { authorization: `Bearer ${a.token}` };
      const init = await post(a.url, initialize, auth);
      expect(init.status).toBe(200);
      expect(init.headers.get('mcp-session-id')).toBeNull();
      expect(init.headers.get('content-type')).toContain('application/json');
      for (const [i, target] of [a, b, a, b].entries()) {
        const res = await post(
          target.url,
          { jsonrpc: '2.0', id: 10 + i, method: 'tools/call', params: { name: 'echo-ping', arguments: {} } },
          { ...auth, 'mcp-protocol-version': '2025-06-18' },
        );
        expect(res.status).toBe(200);
        const body = (await res.json()) as { result: { structuredContent: unknown } };
        expect(body.result.structuredContent).toEqual({ path: '/ping', auth: 'Bearer [REDACTED]' });
      }
      const created = await fetch(a.url.replace('/mcp', '/admin/tools'), {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Via A', code: 'echo-via-a', providerCode: 'echo', endpointPath: '/via-a' }),
      });
      expect(created.status).toBe(201);
      await expect
        .poll(
          async () => {
            const res = await post(b.url, { jsonrpc: '2.0', id: 99, method: 'tools/list' }, { ...auth, 'mcp-protocol-version': '2025-06-18' });
            const body = (await res.json()) as { result: { tools: Array<{ name: string }> } };
            return body.result.tools.map((t) => t.name);
          },
          { timeout: 10_000 },
        )
        .toContain('echo-via-a');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
