import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { runCli } from '../helpers/cli.js';
import { TEST_KEY } from '../helpers/app.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { freshDatabase } from '../helpers/postgres.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * Several instances on one PostgreSQL (SPEC §13), as production runs them: three `toolwire serve --http`
 * processes with the same TOOLWIRE_DB, TOOLWIRE_SECRET_KEY and TOOLWIRE_TOKEN, each with its own
 * TOOLWIRE_INSTANCE, and real SDK clients of both revisions. A change through one instance's admin API
 * reaches every instance's clients (LISTEN/NOTIFY); a dynamic-auth token is fetched once for all three;
 * an instance killed and started again serves the latest catalog; a stateless request is answered by any.
 */

const MODERN = '2026-07-28';
const TOKEN = `tw_${'m'.repeat(40)}`;
const PASSWORD = 'pw-multi-instance-7c1d';
const url = await freshDatabase();
const env = { TOOLWIRE_DB: url, TOOLWIRE_SECRET_KEY: TEST_KEY, TOOLWIRE_TOKEN: TOKEN, TOOLWIRE_LOG_LEVEL: 'warn' };
const NAMES = ['a', 'b', 'c'] as const;

let api: Upstream;
let auth: Upstream;
/** Tokens the token endpoint has issued; the API accepts only those. */
const issued = new Set<string>();
const servers: RunningServer[] = [];
const clients: Client[] = [];

const start = (name: string) => startServer([], { ...env, TOOLWIRE_INSTANCE: name });
const adminBase = (server: RunningServer) => server.url.replace(/\/mcp$/, '/admin');
const textOf = (result: { content?: unknown }) => (result.content as Array<{ text: string }>)[0]!.text;

async function connect(server: RunningServer, mode: 'legacy' | { pin: string }): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: `multi-${typeof mode === 'string' ? mode : 'modern'}`, version: '1' }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

async function addTool(server: RunningServer, code: string, providerCode = 'plain'): Promise<void> {
  const res = await fetchJson(
    `${adminBase(server)}/tools`,
    'POST',
    { name: code, code, providerCode, endpointPath: `/${code}`, httpMethod: 'GET' },
    {
      authorization: `Bearer ${TOKEN}`,
    },
  );
  expect(res.status, JSON.stringify(res.json)).toBe(201);
}

beforeAll(async () => {
  auth = await startUpstream((_req, res) => {
    const token = `tok-${issued.size + 1}-${'y'.repeat(12)}`;
    issued.add(token);
    // Slow enough that every instance's first call arrives while the first fetch is still under way.
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { token }, expires_in: 3600 })), 150);
  });
  api = await startUpstream((req, res) => {
    const token = (req.headers.authorization ?? '').replace('Bearer ', '');
    if (req.path.startsWith('/secure') && !issued.has(token)) return void res.writeHead(401).end('{"error":"unauthorized"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path, token }));
  });
  // The catalog before any instance starts (the CLI on the same database also migrates it).
  const cli = (args: string[], input: object) => {
    const result = runCli(args, env, JSON.stringify(input));
    expect(result.code, result.stderr).toBe(0);
  };
  cli(['provider', 'add', '-'], { name: 'Plain', code: 'plain', baseUrl: api.url });
  cli(['provider', 'add', '-'], {
    name: 'Secure',
    code: 'secure',
    baseUrl: api.url,
    authenticationType: 'BEARER_TOKEN',
    isDynamicAuth: true,
    dynamicAuthUrl: `${auth.url}/login`,
    dynamicAuthMethod: 'POST',
    dynamicAuthPayloadType: 'JSON',
    dynamicAuthPayloadLocation: 'BODY',
    dynamicAuthPayload: JSON.stringify({ identifier: 'me', password: PASSWORD }),
    dynamicAuthTokenExtractionPath: '$.data.token',
  });
  cli(['tool', 'add', '-'], { name: 'Ping', code: 'ping', providerCode: 'plain', endpointPath: '/ping' });
  cli(['tool', 'add', '-'], { name: 'Secure feed', code: 'secure-feed', providerCode: 'secure', endpointPath: '/secure/feed' });
  servers.push(...(await Promise.all(NAMES.map(start))));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await Promise.all(servers.map((s) => s.stop()));
  await api?.close();
  await auth?.close();
});

describe('three instances on one PostgreSQL', () => {
  it('a tool added through one instance reaches the clients of all three (subscriptions/listen and list_changed)', async () => {
    const arrived: Array<number | null> = [null, null, null, null];
    const watchers: Array<() => Promise<void>> = [];
    // Each instance: a 2026-07-28 client listening; the first two also a 2025-11-25 session.
    for (const [i, server] of servers.entries()) {
      const { client } = await connect(server, { pin: MODERN });
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        arrived[i] ??= Date.now();
      });
      const subscription = await client.listen({ toolsListChanged: true });
      watchers.push(() => subscription.close());
    }
    const { client: legacy, transport } = await connect(servers[1]!, 'legacy');
    expect(transport.sessionId).toMatch(/^b\./); // TOOLWIRE_INSTANCE names the instance in the session id
    legacy.setNotificationHandler('notifications/tools/list_changed', () => {
      arrived[3] ??= Date.now();
    });
    await legacy.listTools();

    // Each instance listens on a connection of its own (LISTEN toolwire_changes), not by polling.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const listening = await db.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'toolwire-listen' AND query = 'LISTEN toolwire_changes'",
      );
      expect(listening.rows[0].n).toBe(3);
    } finally {
      await db.end();
    }

    const started = Date.now();
    await addTool(servers[0]!, 'fresh');
    // Generous: the budget is 1 s (printed below), the machine is shared.
    await expect.poll(() => arrived.every((at) => at !== null), { timeout: 15_000, interval: 20 }).toBe(true);
    const delays = arrived.map((at) => (at as number) - started);
    console.log(`[multi-instance] change through a → clients of a, b, c (2026-07-28) and b (2025-11-25) after ${delays.join(', ')} ms`);
    for (const server of servers) {
      const { client } = await connect(server, { pin: MODERN });
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('fresh');
    }
    for (const close of watchers) await close();
  }, 60_000);

  it('24 concurrent calls spread over the three with a cold cache cause exactly one token fetch', async () => {
    const perInstance = await Promise.all(servers.map(async (server) => (await connect(server, { pin: MODERN })).client));
    const before = auth.requests.length;
    const apiBefore = api.requests.length;
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => perInstance[i % 3]!.callTool({ name: 'secure-feed', arguments: {} })));
    for (const result of results) expect(result.isError, textOf(result)).toBeFalsy();
    expect(auth.requests.length - before).toBe(1);
    // Every call, on every instance, sent the one token fetched (answers redact it: the API's record says).
    const sent = api.requests.slice(apiBefore).map((r) => r.headers.authorization);
    expect(sent).toHaveLength(24);
    expect(new Set(sent)).toEqual(new Set([...issued].map((t) => `Bearer ${t}`)));
  }, 60_000);

  it('a killed instance leaves the others serving; started again, it serves the latest catalog', async () => {
    const killed = servers[2]!;
    await killed.stop('SIGKILL');
    for (const server of servers.slice(0, 2)) {
      const { client } = await connect(server, { pin: MODERN });
      expect(JSON.parse(textOf(await client.callTool({ name: 'ping', arguments: {} }))).path).toBe('/ping');
    }
    // A change while it is down, then the instance again (a new process on the same database).
    await addTool(servers[1]!, 'while-down');
    const restarted = await start('c');
    servers[2] = restarted;
    const { client } = await connect(restarted, { pin: MODERN });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['fresh', 'while-down', 'ping']));
    // And it follows the next change too (its change feed is listening).
    let told = false;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      told = true;
    });
    const subscription = await client.listen({ toolsListChanged: true });
    await addTool(servers[0]!, 'after-restart');
    await expect.poll(() => told, { timeout: 15_000 }).toBe(true);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('after-restart');
    await subscription.close();
  }, 60_000);

  it('a stateless 2026-07-28 client is answered by whichever instance each request reaches', async () => {
    const ports = servers.map((s) => new URL(s.url).port);
    const served: string[] = [];
    let turn = 0;
    const rotate = (input: string | URL | Request, init?: RequestInit) => {
      const target = new URL(input instanceof Request ? input.url : input);
      target.port = ports[turn++ % ports.length]!;
      served.push(target.port);
      return fetch(target, init);
    };
    const client = new Client({ name: 'balanced', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(servers[0]!.url), { fetch: rotate, requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }),
    );
    clients.push(client);
    for (let i = 0; i < 6; i++) {
      expect(JSON.parse(textOf(await client.callTool({ name: 'ping', arguments: {} }))).path).toBe('/ping');
    }
    expect(new Set(served)).toEqual(new Set(ports));
  }, 60_000);
});
