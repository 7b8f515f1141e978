import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaked, startAdmin, startUpstream, type AdminHarness, type Upstream } from './harness.js';
import { bluesky, customOauth, fragments, githubRest, githubStatic, githubUpdate, jules, resend, SEED_SECRETS, tavily } from './seeds.js';

let admin: AdminHarness;
let upstream: Upstream;
beforeAll(async () => {
  admin = await startAdmin();
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
  await admin.close();
});

/** Canary secrets of the round-trip tests. */
const BEARER = 'canary-bearer-7f3e91d2';
const HEADER_SECRET = 'canary-header-5a8b0c44';
const CLIENT_SECRET = 'canary-client-secret-c0ffee11';
const BODY_KEY = 'canary-body-key-d15ea5e0';
const CANARIES = [BEARER, HEADER_SECRET, CLIENT_SECRET, BODY_KEY];

function expectMaskedView(view: Record<string, unknown>): void {
  expect(view).not.toHaveProperty('apiKeyValue');
  for (const value of Object.values((view.customHeaders as Record<string, string>) ?? {})) expect(value).toBe('generic_text');
}

describe('creating providers with the HandsAI request bodies as written', () => {
  const seeds = { githubStatic, customOauth, resend, githubRest, tavily, jules, bluesky };

  for (const [label, seed] of Object.entries(seeds)) {
    it(`POST /admin/providers accepts the ${label} body: 201 with the masked provider`, async () => {
      const res = await admin.call('POST', '/providers', seed);
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.json.id).toEqual(expect.any(Number));
      expect(res.headers.get('location')).toBe(`/admin/providers/${res.json.id}`);
      expect(res.json).toMatchObject({ name: seed.name, code: seed.code, baseUrl: seed.baseUrl, authenticationType: seed.authenticationType });
      expectMaskedView(res.json);
      const stored = await admin.app.catalog.getProvider(seed.code);
      expect(stored.apiKeyValue).toBe('apiKeyValue' in seed && seed.apiKeyValue ? seed.apiKeyValue : null);
      if ('customHeaders' in seed) expect(stored.customHeaders).toEqual(seed.customHeaders);
    });
  }

  it('the dynamic-auth payload is stored as sent and shown with its values masked', async () => {
    const view = (await admin.call('GET', `/providers/${(await admin.app.catalog.getProvider('custom_oauth')).id}`)).json;
    expect(JSON.parse(view.dynamicAuthPayload)).toEqual({ grant_type: 'generic_text', client_id: 'generic_text', client_secret: 'generic_text' });
    expect(view).toMatchObject({
      isDynamicAuth: true,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
      isExportable: false,
    });
    expect((await admin.app.catalog.getProvider('custom_oauth')).dynamicAuthPayload).toBe(customOauth.dynamicAuthPayload);
  });

  it('each auth-configuration fragment works merged into a full body', async () => {
    for (const [key, fragment] of Object.entries(fragments)) {
      const body = { name: `Fragment ${key}`, code: `frag-${key}`, baseUrl: 'https://api.example.com/v1', ...fragment };
      const res = await admin.call('POST', '/providers', body);
      expect(res.status, `${key}: ${res.text}`).toBe(201);
      expect(res.json).toMatchObject({
        authenticationType: fragment.authenticationType,
        apiKeyLocation: fragment.apiKeyLocation,
        apiKeyName: fragment.apiKeyName,
      });
      const stored = await admin.app.catalog.getProvider(`frag-${key}`);
      expect(stored.apiKeyValue).toBe('apiKeyValue' in fragment ? fragment.apiKeyValue : null);
      expect(stored.isDynamicAuth).toBe(key === 'oauth');
    }
    expect((await admin.app.catalog.getProvider('frag-oauth')).dynamicAuthPayload).toBe(fragments.oauth.dynamicAuthPayload);
  });

  it('lowercase enum values are accepted as their uppercase form', async () => {
    const res = await admin.call('POST', '/providers', { name: 'Lower', baseUrl: 'https://lower.example.com', authenticationType: 'bearer_token' });
    expect(res.status).toBe(201);
    expect(res.json.authenticationType).toBe('BEARER_TOKEN');
    expect(res.json.code).toBe('lower'); // generated from the name when not given
  });
});

describe('reading, updating and deleting', () => {
  it('GET /admin/providers lists every provider in the masked view', async () => {
    const res = await admin.call('GET', '/providers');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json)).toBe(true);
    expect(res.json.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(['github', 'custom_oauth', 'tavily', 'bluesky']));
    res.json.forEach(expectMaskedView);
  });

  it('PUT with the HandsAI update body changes the given fields and the secret', async () => {
    const id = (await admin.app.catalog.getProvider('github')).id;
    const res = await admin.call('PUT', `/providers/${id}`, githubUpdate);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id, name: 'GitHub API (Updated)', customHeaders: { Accept: 'generic_text', 'User-Agent': 'generic_text' } });
    expectMaskedView(res.json);
    const stored = await admin.app.catalog.getProvider(id);
    expect(stored.apiKeyValue).toBe('ghp_new_token_xxxxxxxxxxxx');
    expect(stored.customHeaders['User-Agent']).toBe('HandsAI/2.0');
  });

  it('PUT is partial: only the given fields change', async () => {
    const id = (await admin.app.catalog.getProvider('resend')).id;
    const res = await admin.call('PUT', `/providers/${id}`, { name: 'Resend Email Service' });
    expect(res.status).toBe(200);
    const stored = await admin.app.catalog.getProvider(id);
    expect(stored).toMatchObject({
      name: 'Resend Email Service',
      baseUrl: resend.baseUrl,
      apiKeyValue: resend.apiKeyValue,
      customHeaders: resend.customHeaders,
    });
    expect((await admin.call('PUT', `/providers/${id}`, { apiKeyValue: 're_new_key_xyz789' })).status).toBe(200);
    expect((await admin.app.catalog.getProvider(id)).apiKeyValue).toBe('re_new_key_xyz789');
  });

  it('DELETE answers 204 and removes the provider and its tools', async () => {
    const created = await admin.call('POST', '/providers', { name: 'Doomed', code: 'doomed', baseUrl: 'https://doomed.example.com' });
    const tool = await admin.call('POST', '/tools', { name: 'Ping', code: 'doomed-ping', providerCode: 'doomed', endpointPath: '/ping', httpMethod: 'GET' });
    expect(tool.status).toBe(201);
    const res = await admin.call('DELETE', `/providers/${created.json.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await admin.call('GET', `/providers/${created.json.id}`)).status).toBe(404);
    expect((await admin.call('GET', `/tools/${tool.json.id}`)).status).toBe(404);
    expect(await admin.app.store.tools.findByCode('doomed-ping')).toBeUndefined();
    expect((await admin.call('DELETE', `/providers/${created.json.id}`)).status).toBe(404);
  });
});

describe('the masked round trip: a GET body PUT back unchanged keeps every secret', () => {
  async function roundTrip(code: string): Promise<void> {
    const id = (await admin.app.catalog.getProvider(code)).id;
    const shown = await admin.call('GET', `/providers/${id}`);
    expect(shown.status).toBe(200);
    const put = await admin.call('PUT', `/providers/${id}`, shown.json);
    expect(put.status, put.text).toBe(200);
    const { updatedAt: _a, ...before } = shown.json;
    const { updatedAt: _b, ...after } = put.json;
    expect(after).toEqual(before);
  }

  async function invoke(code: string, args: Record<string, unknown> = {}) {
    const entry = admin.app.registry.current().entries.get(code);
    expect(entry, `registry entry ${code}`).toBeDefined();
    return entry!.invoke(args, {});
  }

  it('static bearer and a credential custom header reach the upstream unchanged', async () => {
    await admin.call('POST', '/providers', {
      name: 'Echo',
      code: 'echo',
      baseUrl: `${upstream.origin}/api`,
      authenticationType: 'BEARER_TOKEN',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'Authorization',
      apiKeyValue: BEARER,
      customHeaders: { Accept: 'application/json', 'X-Secret-Token': HEADER_SECRET },
    });
    expect(
      (await admin.call('POST', '/tools', { name: 'Things', code: 'echo-things', providerCode: 'echo', endpointPath: '/things', httpMethod: 'GET' })).status,
    ).toBe(201);

    expect((await invoke('echo-things')).isError).toBeFalsy();
    await roundTrip('echo');
    expect((await invoke('echo-things')).isError).toBeFalsy();

    const [first, second] = upstream.calls().slice(-2);
    for (const req of [first!, second!]) {
      expect(req.path).toBe('/api/things');
      expect(req.headers.authorization).toBe(`Bearer ${BEARER}`);
      expect(req.headers['x-secret-token']).toBe(HEADER_SECRET);
      expect(req.headers.accept).toBe('application/json');
    }
    const stored = await admin.app.catalog.getProvider('echo');
    expect(stored.apiKeyValue).toBe(BEARER);
    expect(stored.customHeaders).toEqual({ Accept: 'application/json', 'X-Secret-Token': HEADER_SECRET });
  });

  it('dynamic auth: the masked payload sent back keeps the client secret the token endpoint receives', async () => {
    const payload = JSON.stringify({ grant_type: 'client_credentials', client_id: 'toolwire-test', client_secret: CLIENT_SECRET });
    await admin.call('POST', '/providers', {
      name: 'OAuth echo',
      code: 'oauth-echo',
      baseUrl: upstream.origin,
      authenticationType: 'BEARER_TOKEN',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'Authorization',
      isDynamicAuth: true,
      dynamicAuthUrl: `${upstream.origin}/token`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayload: payload,
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthTokenExtractionPath: '$.access_token',
    });
    await admin.call('POST', '/tools', { name: 'Me', code: 'oauth-me', providerCode: 'oauth-echo', endpointPath: '/me', httpMethod: 'GET' });

    await roundTrip('oauth-echo');
    expect((await admin.app.catalog.getProvider('oauth-echo')).dynamicAuthPayload).toBe(payload);
    const before = upstream.tokenRequests().length;
    expect((await invoke('oauth-me')).isError).toBeFalsy();
    const tokenRequest = upstream.tokenRequests()[before]!;
    expect(JSON.parse(tokenRequest.body)).toEqual({ grant_type: 'client_credentials', client_id: 'toolwire-test', client_secret: CLIENT_SECRET });
    expect(upstream.calls().at(-1)!.headers.authorization).toBe('Bearer dyn-access-token-1');
  });

  it('API key in the body (Tavily style) survives the round trip', async () => {
    await admin.call('POST', '/providers', { ...tavily, code: 'tavily-echo', name: 'Tavily echo', baseUrl: upstream.origin, apiKeyValue: BODY_KEY });
    await admin.call('POST', '/tools', {
      name: 'Search',
      code: 'tavily-echo-search',
      providerCode: 'tavily-echo',
      endpointPath: '/search',
      httpMethod: 'POST',
      parameters: [{ name: 'query', type: 'STRING', required: true }],
    });
    await roundTrip('tavily-echo');
    expect((await admin.app.catalog.getProvider('tavily-echo')).apiKeyValue).toBe(BODY_KEY);
    expect((await invoke('tavily-echo-search', { query: 'search term' })).isError).toBeFalsy();
    expect(JSON.parse(upstream.calls().at(-1)!.body)).toEqual({ query: 'search term', api_key: BODY_KEY });
  });
});

describe('client mistakes are 4xx with a JSON body naming the field', () => {
  it('malformed JSON is 400, and no part of the body is echoed', async () => {
    for (const body of [
      `{"name": "x", "apiKeyValue": ${BEARER}, "customHeaders": {}}`,
      BEARER,
      `{"apiKeyValue": "${BEARER}"`,
      `{"apiKeyValue": "${BEARER}",}`,
    ]) {
      const res = await admin.call('POST', '/providers', body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_request', fields: [{ field: '(body)' }] });
      expect(res.json.message).toMatch(/not valid JSON/);
      expect(res.text).not.toMatch(/canary|7f3e/);
    }
  });

  it('an empty body, a list or a string is 400', async () => {
    for (const body of ['', '[1,2]', '"provider"', 'null']) {
      const res = await admin.call('POST', '/providers', body, { 'content-type': 'application/json' });
      expect(res.status, body).toBe(400);
      expect(res.json.fields[0].field).toBe('(body)');
    }
  });

  it('an unknown enum value names the field and the allowed values', async () => {
    const res = await admin.call('POST', '/providers', {
      name: 'Bad enum',
      baseUrl: 'https://x.example.com',
      authenticationType: 'OAUTH1',
      apiKeyLocation: 'COOKIE',
    });
    expect(res.status).toBe(400);
    const fields = Object.fromEntries(res.json.fields.map((f: { field: string; message: string }) => [f.field, f.message]));
    expect(fields.authenticationType).toMatch(/NONE, API_KEY, BEARER_TOKEN, BASIC_AUTH/);
    expect(fields.apiKeyLocation).toMatch(/HEADER, QUERY_PARAMETER, IN_BODY/);
  });

  it('a missing or non-http baseUrl is 400 naming baseUrl', async () => {
    const missing = await admin.call('POST', '/providers', { name: 'No URL', code: 'no-url' });
    expect(missing.status).toBe(400);
    expect(missing.json.fields).toContainEqual({ field: 'baseUrl', message: expect.stringMatching(/required/) });
    for (const baseUrl of ['ftp://files.example.com', 'api.example.com', 'javascript:alert(1)']) {
      const res = await admin.call('POST', '/providers', { name: 'Bad URL', code: 'bad-url', baseUrl });
      expect(res.status, baseUrl).toBe(400);
      expect(res.json.fields).toContainEqual({ field: 'baseUrl', message: expect.stringMatching(/absolute http\(s\) URL/) });
    }
    expect(await admin.app.store.providers.findByCode('bad-url')).toBeUndefined();
  });

  it('several problems are all named at once; a wrong type too', async () => {
    const res = await admin.call('POST', '/providers', { name: 42, baseUrl: 'nope', isExportable: 'yes', customHeaders: { A: 1 } });
    expect(res.status).toBe(400);
    const names = res.json.fields.map((f: { field: string }) => f.field);
    expect(names).toEqual(expect.arrayContaining(['name', 'isExportable', 'customHeaders.A']));
  });

  it('a bad code is 400 naming code', async () => {
    const res = await admin.call('POST', '/providers', { name: 'Bad code', code: 'has spaces!', baseUrl: 'https://x.example.com' });
    expect(res.status).toBe(400);
    expect(res.json.fields[0].field).toBe('code');
  });

  it('an invalid PUT is 400 and changes nothing', async () => {
    const id = (await admin.app.catalog.getProvider('tavily')).id;
    const res = await admin.call('PUT', `/providers/${id}`, { name: 'Renamed', baseUrl: 'not a url' });
    expect(res.status).toBe(400);
    expect((await admin.app.catalog.getProvider(id)).name).toBe('Tavily AI Search');
  });

  it('a non-numeric id is 400 naming id; an unknown id is 404', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const bad = await admin.call(method, '/providers/github', method === 'PUT' ? { name: 'x' } : undefined);
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ error: 'invalid_request', fields: [{ field: 'id' }] });
      const unknown = await admin.call(method, '/providers/999999', method === 'PUT' ? { name: 'x' } : undefined);
      expect(unknown.status).toBe(404);
      expect(unknown.json.error).toBe('not_found');
    }
  });

  it('an unknown route is 404', async () => {
    for (const path of ['', '/', '/nope', '/providers/1/extra', '/v1/providers']) {
      const res = await admin.call('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.json.error).toBe('not_found');
    }
  });

  it('a wrong method is 405 with Allow', async () => {
    const id = (await admin.app.catalog.getProvider('tavily')).id;
    const patch = await admin.call('PATCH', `/providers/${id}`, { name: 'x' });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE');
    expect(patch.json.error).toBe('method_not_allowed');
    const del = await admin.call('DELETE', '/providers');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, POST');
  });

  it('a duplicate code is 409, on create and on rename', async () => {
    const dup = await admin.call('POST', '/providers', { ...tavily, name: 'Another Tavily' });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ error: 'conflict', fields: [{ field: 'code' }] });
    const id = (await admin.app.catalog.getProvider('resend')).id;
    const rename = await admin.call('PUT', `/providers/${id}`, { code: 'tavily' });
    expect(rename.status).toBe(409);
    expect((await admin.app.catalog.getProvider(id)).code).toBe('resend');
  });

  it('a stdio MCP upstream cannot be registered over HTTP (403)', async () => {
    const res = await admin.call('POST', '/providers', { name: 'Local MCP', code: 'local-mcp', kind: 'mcp', command: 'node', args: ['server.js'] });
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('forbidden');
    expect(res.json.message).toMatch(/TOOLWIRE_ALLOW_STDIO_UPSTREAMS/);
    expect(await admin.app.store.providers.findByCode('local-mcp')).toBeUndefined();
  });
});

describe('no secret ever leaves', () => {
  it('no admin answer of this file contained a secret', () => {
    expect(admin.bodies.length).toBeGreaterThan(40);
    expect(leaked(admin.bodies, [...CANARIES, ...SEED_SECRETS])).toEqual([]);
  });
});
