import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { TEST_KEY } from '../helpers/app.js';
import { runCliAsync } from '../helpers/cli.js';
import { fetchJson, type JsonAnswer } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { freshDatabase, privateServer } from '../helpers/postgres.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * PostgreSQL stopped under a running server (SPEC §13, docs/design/postgresql.md "Configuration and failure"):
 * admin writes fail with a clear STORAGE answer (no stack, no password), tool calls keep being answered from
 * the snapshot in memory, and once the database is back writes work and the change feed catches up with
 * what another process wrote, all without a restart.
 */

const MODERN = '2026-07-28';
const pgServer = await privateServer();
const url = await freshDatabase(pgServer.url);
const PASSWORD = decodeURIComponent(new URL(url).password);
const env = { TOOLWIRE_DB: url, TOOLWIRE_SECRET_KEY: TEST_KEY, TOOLWIRE_LOG_LEVEL: 'warn' };

let api: Upstream;
let server: InProcessServer;
let client: Client;

const admin = (method: string, path: string, body?: unknown): Promise<JsonAnswer> =>
  fetchJson(`${server.base}/admin${path}`, method, body, { authorization: `Bearer ${server.token}` });
const tool = (code: string) => ({ name: code, code, providerCode: 'echo', endpointPath: `/${code}`, httpMethod: 'GET' });
const textOf = (result: { content?: unknown }) => (result.content as Array<{ text: string }>)[0]!.text;

beforeAll(async () => {
  api = await startUpstream();
  server = await startInProcess(env);
  server.app.registry.watch(); // as `serve --http` does: the LISTEN feed on PostgreSQL
  expect((await admin('POST', '/providers', { name: 'Echo', code: 'echo', baseUrl: api.url })).status).toBe(201);
  expect((await admin('POST', '/tools', tool('ping'))).status).toBe(201);
  client = new Client({ name: 'pg-down', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${server.token}` } } }));
}, 60_000);

afterAll(async () => {
  await client?.close().catch(() => {});
  await server?.close();
  await api?.close();
});

describe('PostgreSQL stopped under a running server', () => {
  it('refuses writes clearly, serves calls from memory, and recovers without a restart', async () => {
    let changes = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changes++;
    });
    const subscription = await client.listen({ toolsListChanged: true });
    expect(JSON.parse(textOf(await client.callTool({ name: 'ping', arguments: {} }))).path).toBe('/ping');

    await pgServer.stop();
    try {
      const refused = await admin('POST', '/tools', tool('during'));
      expect(refused.status).toBe(503);
      expect(refused.json.error).toBe('storage_unavailable');
      expect(refused.text).not.toContain(PASSWORD);
      expect(refused.text).not.toMatch(/\n\s+at |\\n\s+at /); // no stack trace
      expect(refused.json.message).toMatch(/PostgreSQL|database/i);
      // The call path reads no database: the API is reached as before.
      const before = api.requests.length;
      const during = await client.callTool({ name: 'ping', arguments: {} });
      expect(during.isError, textOf(during)).toBeFalsy();
      expect(api.requests.length).toBe(before + 1);
    } finally {
      await pgServer.start();
    }

    // Another process writes as soon as the database is back (the listener may not have reconnected yet).
    const other = await runCliAsync(['tool', 'add', '-'], env, JSON.stringify(tool('from-cli')));
    expect(other.code, other.stderr).toBe(0);
    await expect.poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 15_000, interval: 100 }).toContain('from-cli');
    await expect.poll(() => changes, { timeout: 15_000 }).toBeGreaterThan(0);
    // The server's own writes work again (the pool reconnects by itself).
    await expect.poll(async () => (await admin('POST', '/tools', tool('after'))).status, { timeout: 15_000, interval: 200 }).toBe(201);
    // The client keeps its list until told of a change (list_changed), which comes just after the write.
    await expect
      .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 15_000, interval: 100 })
      .toEqual(expect.arrayContaining(['ping', 'from-cli', 'after']));
    expect(JSON.parse(textOf(await client.callTool({ name: 'after', arguments: {} }))).path).toBe('/after');
    await subscription.close();

    // Nothing the server logged meanwhile holds the password or a stack trace.
    const log = server.logLines.join('\n');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toMatch(/\n\s+at \S+ \(/);
  }, 90_000);
});
