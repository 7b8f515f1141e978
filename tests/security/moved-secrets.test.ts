import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCompat, type CompatHarness } from '../compat/harness.js';
import { connect, textOf } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// Issue 10 M1: write-only secrets could be read by moving them — change where they are sent, then call.
// A stored secret is bound to the origin (scheme, host, port) it was stored for: a write that moves the
// origin drops it unless the same write gives it again, and says which secrets it dropped. Six routes.

const KEY = 'moved-api-key-5b1f0c';
const HEADER_SECRET = 'moved-header-secret-77aa';
const CLIENT_SECRET = 'moved-client-secret-9e0d';
const SECRETS = [KEY, HEADER_SECRET, CLIENT_SECRET];

let h: CompatHarness;
let home: Upstream;
let evil: Upstream;
beforeEach(async () => {
  h = await startCompat();
  home = await startUpstream();
  evil = await startUpstream();
});
afterEach(async () => {
  await Promise.all([h.close(), home.close(), evil.close()]);
});

/** Everything the attacker's host ever received, as one string. */
const evilSaw = () => JSON.stringify(evil.requests.map((r) => ({ url: r.url, headers: r.headers, body: r.body })));

async function httpProvider(extra: Record<string, unknown> = {}) {
  const res = await h.call('POST', '/admin/providers', {
    name: 'Home',
    code: 'home',
    baseUrl: `${home.url}/v1`,
    authenticationType: 'BEARER_TOKEN',
    apiKeyValue: KEY,
    customHeaders: { 'X-Passphrase': HEADER_SECRET, Accept: 'application/json', 'X-Api-Version': '2024-01-01' },
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
  expect((await h.call('POST', '/admin/tools', { name: 'Get', code: 'get', providerCode: 'home', endpointPath: '/thing', httpMethod: 'GET' })).status).toBe(
    201,
  );
  return res.json.id as number;
}

async function callGet() {
  const client = await connect(h.server.app);
  const result = await client.callTool({ name: 'get', arguments: {} });
  await client.close();
  return result;
}

describe('M1: a secret never follows its provider to another origin', () => {
  it('route 1, PUT baseUrl: the key and the secret headers are dropped, configuration headers kept, the answer says so', async () => {
    const id = await httpProvider();
    const res = await h.call('PUT', `/admin/providers/${id}`, { baseUrl: `${evil.url}/v1` });
    expect(res.status, res.text).toBe(200);
    expect(res.json.droppedSecrets).toEqual(['apiKeyValue', 'customHeaders.X-Passphrase']);
    const result = await callGet();
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(evil.requests).toHaveLength(1);
    expect(evil.requests[0]!.headers.accept).toBe('application/json');
    expect(evil.requests[0]!.headers['x-api-version']).toBe('2024-01-01');
    expect(evil.requests[0]!.headers.authorization).toBeUndefined();
    expect(evilSaw()).not.toContain(KEY);
    expect(evilSaw()).not.toContain(HEADER_SECRET);
  });

  it('the same origin (another path) keeps every secret; a move that gives the key again keeps that key', async () => {
    const id = await httpProvider();
    const samePlace = await h.call('PUT', `/admin/providers/${id}`, { baseUrl: `${home.url}/v2` });
    expect(samePlace.json.droppedSecrets).toBeUndefined();
    expect(await h.server.app.catalog.getProvider(id)).toMatchObject({ apiKeyValue: KEY, customHeaders: { 'X-Passphrase': HEADER_SECRET } });
    const moved = await h.call('PUT', `/admin/providers/${id}`, {
      baseUrl: evil.url,
      apiKeyValue: 'a-key-meant-for-the-new-host',
      customHeaders: { 'X-Passphrase': 'generic_text' },
    });
    expect(moved.json.droppedSecrets).toEqual(['customHeaders.X-Passphrase']); // a mask is not "given again"
    expect(await h.server.app.catalog.getProvider(id)).toMatchObject({ apiKeyValue: 'a-key-meant-for-the-new-host', customHeaders: {} });
  });

  it('route 2, MCP url: the api_key stays behind', async () => {
    const res = await h.call('POST', '/admin/providers', {
      name: 'Up',
      code: 'up',
      kind: 'mcp',
      url: `${home.url}/mcp`,
      authenticationType: 'BEARER_TOKEN',
      apiKeyValue: KEY,
    });
    expect(res.status, res.text).toBe(201);
    const moved = await h.call('PUT', `/admin/providers/${res.json.id}`, { url: `${evil.url}/mcp` });
    expect(moved.json.droppedSecrets).toEqual(['apiKeyValue']);
    expect((await h.server.app.catalog.getProvider('up')).apiKeyValue).toBeNull();
  });

  it('route 3, dynamicAuthUrl: the payload is dropped, so the token endpoint at the new host never sees the client secret', async () => {
    const id = await httpProvider({
      authenticationType: 'NONE',
      apiKeyValue: null,
      isDynamicAuth: true,
      dynamicAuthUrl: `${home.url}/token`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayload: JSON.stringify({ client_id: 'cid', client_secret: CLIENT_SECRET }),
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthTokenExtractionPath: '$.access_token',
    });
    const moved = await h.call('PUT', `/admin/providers/${id}`, { dynamicAuthUrl: `${evil.url}/token` });
    expect(moved.json.droppedSecrets).toEqual(['dynamicAuthPayload']);
    await callGet();
    expect(evilSaw()).not.toContain(CLIENT_SECRET);
    // Moving the API itself drops it too: the token it buys would be sent to the new host.
    const again = await h.call('PUT', `/admin/providers/${id}`, {
      dynamicAuthUrl: `${home.url}/token`,
      dynamicAuthPayload: JSON.stringify({ client_secret: CLIENT_SECRET }),
    });
    expect(again.json.droppedSecrets).toBeUndefined();
    const apiMoved = await h.call('PUT', `/admin/providers/${id}`, { baseUrl: evil.url });
    expect(apiMoved.json.droppedSecrets).toEqual(expect.arrayContaining(['dynamicAuthPayload']));
  });

  it('turning dynamic auth off, moving the API, then on again does not carry the payload along', async () => {
    const id = await httpProvider({
      authenticationType: 'NONE',
      apiKeyValue: null,
      isDynamicAuth: true,
      dynamicAuthUrl: `${home.url}/token`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayload: JSON.stringify({ client_secret: CLIENT_SECRET }),
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
    });
    const off = await h.call('PUT', `/admin/providers/${id}`, { isDynamicAuth: false, baseUrl: evil.url });
    expect(off.json.droppedSecrets).toEqual(expect.arrayContaining(['dynamicAuthPayload']));
    expect((await h.call('PUT', `/admin/providers/${id}`, { isDynamicAuth: true })).status).toBe(200);
    expect((await h.server.app.catalog.getProvider(id)).dynamicAuthPayload).toBeNull();
  });

  it('a cached token bought for the old host is never sent to the new one', async () => {
    let issued = 0;
    home.handle((req, res) => {
      if (req.path === '/token')
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: `home-token-${++issued}-abcdef`, expires_in: 3600 }));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const payload = JSON.stringify({ client_secret: CLIENT_SECRET });
    const id = await httpProvider({
      authenticationType: 'NONE',
      apiKeyValue: null,
      customHeaders: {},
      isDynamicAuth: true,
      dynamicAuthUrl: `${home.url}/token`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayload: payload,
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthTokenExtractionPath: '$.access_token',
    });
    expect((await callGet()).isError).toBeFalsy();
    expect(home.requests.at(-1)!.headers.authorization).toBe('Bearer home-token-1-abcdef');
    // The owner moves the API and gives the payload again: a new token is fetched for the new host.
    expect((await h.call('PUT', `/admin/providers/${id}`, { baseUrl: evil.url, dynamicAuthPayload: payload })).json.droppedSecrets).toBeUndefined();
    await callGet();
    expect(evilSaw()).not.toContain('home-token-1-abcdef');
    expect(evil.requests.at(-1)!.headers.authorization).toBe('Bearer home-token-2-abcdef');
  });

  it('route 4, add-git-providers host: the token is dropped unless given in the same request', async () => {
    await httpProvider();
    const host = new URL(evil.url).host;
    const res = await h.call('POST', '/api/add-git-providers', { provider_tokens: { home: { token: null, host } } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.dropped_secrets).toEqual({ home: ['apiKeyValue', 'customHeaders.X-Passphrase'] });
    await callGet();
    expect(evilSaw()).not.toContain(KEY);
    expect(evilSaw()).not.toContain(HEADER_SECRET);
    const withToken = await h.call('POST', '/api/add-git-providers', {
      provider_tokens: { home: { token: 'token-for-new-host-123', host: new URL(home.url).host } },
    });
    expect(withToken.json.dropped_secrets).toBeUndefined();
    expect((await h.server.app.catalog.getProvider('home')).apiKeyValue).toBe('token-for-new-host-123');
  });

  it('route 5, an import file with <YOUR_API_KEY> placeholders and another baseUrl', async () => {
    await httpProvider();
    const res = await h.call('POST', '/admin/import', [
      {
        name: 'Home',
        code: 'home',
        baseUrl: evil.url,
        authenticationType: 'BEARER_TOKEN',
        apiKeyValue: '<YOUR_API_KEY>',
        customHeaders: { 'X-Passphrase': '<YOUR_API_KEY>' },
        tools: [],
      },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.json.providers.droppedSecrets).toEqual({ home: ['apiKeyValue', 'customHeaders.X-Passphrase'] });
    await callGet();
    expect(evilSaw()).not.toContain(KEY);
    expect(evilSaw()).not.toContain(HEADER_SECRET);
  });

  it('route 6, an OpenAPI re-import with another server', async () => {
    const doc = (server: string) => ({
      openapi: '3.0.3',
      info: { title: 'Home', version: '1' },
      servers: [{ url: server }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      paths: { '/thing': { get: { operationId: 'get', responses: { '200': { description: 'ok' } } } } },
    });
    expect((await h.call('POST', '/admin/import?provider=home', doc(home.url))).status).toBe(200);
    expect((await h.call('PUT', `/admin/providers/${(await h.server.app.catalog.getProvider('home')).id}`, { apiKeyValue: KEY })).status).toBe(200);
    const res = await h.call('POST', '/admin/import?provider=home', doc(evil.url));
    expect(res.status, res.text).toBe(200);
    expect(res.json.droppedSecrets).toEqual(['apiKeyValue']);
    await callGet();
    expect(evil.requests).toHaveLength(1);
    expect(evilSaw()).not.toContain(KEY);
  });

  it('no secret appears in any answer along the way', async () => {
    await httpProvider();
    await h.call('PUT', `/admin/providers/${(await h.server.app.catalog.getProvider('home')).id}`, { baseUrl: evil.url });
    for (const secret of SECRETS) expect(h.bodies.join('\n')).not.toContain(secret);
  });
});

describe('token extraction paths that could freeze the server', () => {
  it('are refused when a provider is written, naming the field, and nothing is written', async () => {
    const res = await h.call('POST', '/admin/providers', {
      name: 'Dyn',
      code: 'dyn',
      baseUrl: home.url,
      isDynamicAuth: true,
      dynamicAuthUrl: `${home.url}/token`,
      dynamicAuthTokenExtractionPath: '$..*..*..*',
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.fields).toEqual([expect.objectContaining({ field: 'dynamicAuthTokenExtractionPath', message: expect.stringMatching(/^is refused/) })]);
    expect(await h.server.app.catalog.listProviders()).toEqual([]);
  });
});
