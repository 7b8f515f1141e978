import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { TEST_KEY } from '../helpers/app.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { freshDatabase } from '../helpers/postgres.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * A dynamic-auth token shared by two instances on one PostgreSQL (SPEC §13): the second instance uses the
 * token the first fetched; a 401 on one instance replaces it once; the other instance, refused with the old
 * token, picks up the replacement instead of fetching a third (compare-and-delete: its invalidation does not
 * throw the new token away). The tokens rest sealed in the table.
 */

const MODERN = '2026-07-28';
const url = await freshDatabase();
const env = { TOOLWIRE_DB: url, TOOLWIRE_SECRET_KEY: TEST_KEY, TOOLWIRE_LOG_LEVEL: 'warn' };

let auth: Upstream;
let api: Upstream;
let issued = 0;
/** The tokens the API accepts now. */
const accepted = new Set<string>();
const instances: InProcessServer[] = [];
const clients: Client[] = [];

const textOf = (result: { content?: unknown }) => (result.content as Array<{ text: string }>)[0]!.text;
const fetches = () => auth.requests.length;

async function call(i: number): Promise<void> {
  const result = await clients[i]!.callTool({ name: 'feed', arguments: {} });
  expect(result.isError, textOf(result)).toBeFalsy();
}

beforeAll(async () => {
  auth = await startUpstream((_req, res) => {
    const token = `tok-${++issued}-${'z'.repeat(12)}`;
    accepted.add(token);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { token }, expires_in: 3600 }));
  });
  api = await startUpstream((req, res) => {
    const token = (req.headers.authorization ?? '').replace('Bearer ', '');
    if (!accepted.has(token)) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  instances.push(await startInProcess(env), await startInProcess(env));
  const [first] = instances;
  await first!.app.catalog.createProvider({
    name: 'Session API',
    code: 'session',
    baseUrl: api.url,
    authenticationType: 'BEARER_TOKEN',
    isDynamicAuth: true,
    dynamicAuthUrl: `${auth.url}/login`,
    dynamicAuthMethod: 'POST',
    dynamicAuthPayloadType: 'JSON',
    dynamicAuthPayloadLocation: 'BODY',
    dynamicAuthPayload: JSON.stringify({ identifier: 'me', password: 'pw-shared-tokens-91' }),
    dynamicAuthTokenExtractionPath: '$.data.token',
  });
  await first!.app.catalog.createTool({ name: 'Feed', code: 'feed', providerCode: 'session', endpointPath: '/feed', httpMethod: 'GET' });
  await instances[1]!.app.registry.refresh();
  for (const instance of instances) {
    const client = new Client({ name: 'shared', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(instance.url), { requestInit: { headers: { Authorization: `Bearer ${instance.token}` } } }));
    clients.push(client);
  }
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  for (const instance of instances) await instance.close();
  await api?.close();
  await auth?.close();
});

describe('dynamic-auth tokens shared by two instances', () => {
  it('one fetch serves both; a refused token is replaced once for both', async () => {
    await call(0);
    await call(1);
    expect(fetches()).toBe(1); // the second instance used the first one's token
    const sent = () => api.requests.map((r) => r.headers.authorization);
    expect(new Set(sent())).toEqual(new Set(['Bearer tok-1-zzzzzzzzzzzz']));

    // The API revokes it. Instance 0 is refused, fetches tok-2 and retries.
    accepted.clear();
    await call(0);
    expect(fetches()).toBe(2);
    // Instance 1 still holds tok-1 in memory: refused, it finds tok-2 in the table instead of fetching a third.
    await call(1);
    expect(fetches()).toBe(2);
    expect(sent().slice(-1)).toEqual(['Bearer tok-2-zzzzzzzzzzzz']);

    // At rest the token is sealed, never in clear.
    const rows = await instances[0]!.app.store.driver.all<{ slot: string; token_enc: string }>('SELECT slot, token_enc FROM shared_tokens');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.slot).toMatch(/^provider:\d+:[\w-]+$/);
    expect(rows[0]!.token_enc).not.toContain('tok-');
  }, 60_000);
});
