import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../src/app.js';
import { connect, makeApp, textOf } from './helpers/app.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/**
 * Dynamic auth through the whole call path: a real token endpoint and a protected API that accepts
 * only the current token, called by an SDK client.
 */
let auth: Upstream;
let api: Upstream;
let app: App;
let client: Client;
let issued = 0;
let valid = new Set<string>();
let apiMode: 'normal' | 'keyword-500' | 'keyword-200' = 'normal';
const PASSWORD = 'canary-password-5c1d';

const tokenRequests = () => auth.requests.length;

beforeAll(async () => {
  auth = await startUpstream((_req, res) => {
    const token = `tok-${++issued}-${'x'.repeat(12)}`;
    valid.add(token);
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { token }, expires_in: 3600 })), 20);
  });
  api = await startUpstream((req, res) => {
    const token = (req.headers.authorization ?? '').replace('Bearer ', '');
    if (apiMode === 'keyword-200') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"note":"Session expired? no, all good"}');
    if (!valid.has(token)) {
      if (apiMode === 'keyword-500') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"ExpiredToken"}');
      return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, token_seen: token }));
  });
  app = await makeApp();
  await app.catalog.createProvider({
    name: 'Session API',
    code: 'session',
    baseUrl: api.url,
    authenticationType: 'BEARER_TOKEN',
    isDynamicAuth: true,
    dynamicAuthUrl: `${auth.url}/login`,
    dynamicAuthMethod: 'POST',
    dynamicAuthPayloadType: 'JSON',
    dynamicAuthPayloadLocation: 'BODY',
    dynamicAuthPayload: JSON.stringify({ identifier: 'me', password: PASSWORD }),
    dynamicAuthTokenExtractionPath: '$.data.token',
    dynamicAuthInvalidationKeywords: 'ExpiredToken,expired',
  });
  await app.catalog.createTool({ name: 'Feed', code: 'feed', providerCode: 'session', endpointPath: '/feed', httpMethod: 'GET' });
  client = await connect(app);
});

beforeEach(() => {
  apiMode = 'normal';
});

afterAll(async () => {
  await client.close();
  await app.close();
  await auth.close();
  await api.close();
});

describe('dynamic auth on tool calls', () => {
  it('fetches one token for 20 concurrent calls on a cold cache, then reuses it', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => client.callTool({ name: 'feed' })));
    expect(results.every((r) => !r.isError)).toBe(true);
    expect(tokenRequests()).toBe(1);
    expect(auth.requests[0]!.json).toEqual({ identifier: 'me', password: PASSWORD });
    await client.callTool({ name: 'feed' });
    expect(tokenRequests()).toBe(1);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${[...valid][0]}`);
  });

  it('on 401 drops the token, fetches a new one and retries once; concurrent 401s cause one refresh', async () => {
    valid = new Set(); // the API forgets every token
    const before = tokenRequests();
    const results = await Promise.all(Array.from({ length: 10 }, () => client.callTool({ name: 'feed' })));
    expect(results.every((r) => !r.isError)).toBe(true);
    expect(tokenRequests()).toBe(before + 1);
  });

  it('refreshes on an invalidation keyword in an error answer, never in a 2xx answer', async () => {
    valid = new Set();
    apiMode = 'keyword-500';
    const before = tokenRequests();
    const result = await client.callTool({ name: 'feed' });
    expect(result.isError).toBeFalsy();
    expect(tokenRequests()).toBe(before + 1);
    apiMode = 'keyword-200';
    await client.callTool({ name: 'feed' });
    expect(tokenRequests()).toBe(before + 1);
  });

  it('returns the second failure with the upstream status when the fresh token is refused too', async () => {
    const saved = valid;
    valid = { has: () => false, add: () => {} } as unknown as Set<string>;
    const result = await client.callTool({ name: 'feed' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('401');
    valid = saved;
  });

  it('a token endpoint failure is an isError naming the provider, without secrets; fixing the settings takes effect on the next call', async () => {
    await app.catalog.createProvider({
      name: 'Broken',
      code: 'broken',
      baseUrl: api.url,
      authenticationType: 'BEARER_TOKEN',
      isDynamicAuth: true,
      dynamicAuthUrl: 'http://127.0.0.1:1/token',
      dynamicAuthPayload: JSON.stringify({ password: PASSWORD }),
    });
    await app.catalog.createTool({ name: 'B', code: 'broken-feed', providerCode: 'broken', endpointPath: '/feed' });
    const result = await client.callTool({ name: 'broken-feed' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('broken');
    expect(textOf(result)).not.toContain(PASSWORD);
    // Fixing the provider's token URL takes effect at once (the cache entry belongs to the old settings).
    await app.catalog.updateProvider('broken', { dynamicAuthUrl: `${auth.url}/login`, dynamicAuthTokenExtractionPath: 'data.token' });
    expect((await client.callTool({ name: 'broken-feed' })).isError).toBeFalsy();
  });

  it('keeps the payload secret out of the database file', () => {
    const bytes = readFileSync(app.config.dbPath).toString('latin1') + readFileSync(`${app.config.dbPath}-wal`).toString('latin1');
    expect(bytes).not.toContain(PASSWORD);
  });

  it('redacts the dynamic token if the API echoes it back', async () => {
    const result = await client.callTool({ name: 'feed' });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result)).not.toMatch(/tok-\d+-x{12}/);
    expect(result.structuredContent).toMatchObject({ token_seen: '[REDACTED]' });
  });
});
