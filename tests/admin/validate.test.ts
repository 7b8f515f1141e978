import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaked, startAdmin, startUpstream, type AdminHarness, type Upstream } from './harness.js';

const BEARER = 'canary-validate-bearer-11aa22bb';
const HEADER_SECRET = 'canary-validate-header-33cc44dd';
const QUERY_KEY = 'canary-validate-query-55ee66ff';
const BODY_KEY = 'canary-validate-body-77aa88bb';
const BASIC = 'canary-user:canary-pass-99cc00dd';
const CLIENT_SECRET = 'canary-validate-client-1234abcd';
const CANARIES = [BEARER, HEADER_SECRET, QUERY_KEY, BODY_KEY, BASIC, Buffer.from(BASIC).toString('base64'), CLIENT_SECRET];

let admin: AdminHarness;
let upstream: Upstream;

async function provider(code: string, fields: Record<string, unknown>): Promise<void> {
  const res = await admin.call('POST', '/providers', { name: code, code, baseUrl: `${upstream.origin}/v1`, ...fields });
  expect(res.status, res.text).toBe(201);
}

async function tool(providerCode: string, code: string, fields: Record<string, unknown>): Promise<number> {
  const res = await admin.call('POST', '/tools', { name: code, code, providerCode, httpMethod: 'GET', ...fields });
  expect(res.status, res.text).toBe(201);
  return res.json.id;
}

const required = (...names: string[]) => names.map((name) => ({ name, type: 'STRING', required: true }));

beforeAll(async () => {
  admin = await startAdmin();
  upstream = await startUpstream();
  await provider('bearer', {
    authenticationType: 'BEARER_TOKEN',
    apiKeyValue: BEARER,
    customHeaders: { Accept: 'application/json', 'X-Secret-Token': HEADER_SECRET },
  });
  await provider('query', { authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'api_key', apiKeyValue: QUERY_KEY });
  await provider('body', { authenticationType: 'API_KEY', apiKeyLocation: 'IN_BODY', apiKeyName: 'api_key', apiKeyValue: BODY_KEY });
  await provider('basic', { authenticationType: 'BASIC_AUTH', apiKeyValue: BASIC });
  await provider('dynamic', {
    authenticationType: 'BEARER_TOKEN',
    isDynamicAuth: true,
    dynamicAuthUrl: `${upstream.origin}/token`,
    dynamicAuthMethod: 'POST',
    dynamicAuthPayload: JSON.stringify({ client_id: 'id', client_secret: CLIENT_SECRET }),
    dynamicAuthPayloadType: 'JSON',
    dynamicAuthPayloadLocation: 'BODY',
    dynamicAuthTokenExtractionPath: '$.access_token',
  });
});
afterAll(async () => {
  await upstream.close();
  await admin.close();
});

describe('validate, call mode: a tool that needs no arguments is called for real', () => {
  it('POST /admin/tools/{id}/validate calls the API through the registry with the credential', async () => {
    const id = await tool('bearer', 'status', { endpointPath: '/status', parameters: [{ name: 'verbose', type: 'BOOLEAN', required: false }] });
    const before = upstream.calls().length;
    const res = await admin.call('POST', `/tools/${id}/validate`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ mode: 'call', ok: true, tool: { id, code: 'status', providerCode: 'bearer' } });
    expect(res.json.result.structuredContent).toEqual({ ok: true, path: '/v1/status' });
    expect(upstream.calls()).toHaveLength(before + 1);
    expect(upstream.calls().at(-1)!.headers.authorization).toBe(`Bearer ${BEARER}`);
    // Like any call, it is in the audit log (written in batches off the call path).
    await expect
      .poll(async () => (await admin.app.catalog.audit.page({ tool: 'status' })).entries.map((e) => (e.kind === 'call' ? e.outcome : e.kind)), {
        timeout: 10_000,
      })
      .toEqual(['ok']);
  });

  it('a required parameter with a default still allows a real call; HandsAI GET alias works', async () => {
    const id = await tool('query', 'list-things', {
      endpointPath: '/things',
      parameters: [{ name: 'limit', type: 'INTEGER', required: true, defaultValue: '10' }],
    });
    const res = await admin.call('GET', `/tools/api/${id}/validate`);
    expect(res.json).toMatchObject({ mode: 'call', ok: true });
    expect(upstream.calls().at(-1)!.query).toEqual({ limit: '10', api_key: QUERY_KEY });
  });

  it('an API that fails gives ok: false with the error result', async () => {
    const id = await tool('bearer', 'broken', { endpointPath: '/fail' });
    const res = await admin.call('POST', `/tools/${id}/validate`);
    expect(res.status).toBe(200);
    expect(res.json.mode).toBe('call');
    expect(res.json.ok).toBe(false);
    expect(res.json.result.isError).toBe(true);
    expect(res.json.result.content[0].text).toMatch(/500/);
  });

  it('dynamic auth: the token is fetched and used', async () => {
    const id = await tool('dynamic', 'whoami', { endpointPath: '/whoami' });
    const res = await admin.call('POST', `/tools/${id}/validate`);
    expect(res.json).toMatchObject({ mode: 'call', ok: true });
    expect(upstream.calls().at(-1)!.headers.authorization).toBe('Bearer dyn-access-token-1');
  });
});

describe('validate, dry-run mode: a tool with required arguments is shown, not sent', () => {
  async function dryRun(id: number) {
    const before = upstream.received.length;
    const res = await admin.call('POST', `/tools/${id}/validate`);
    expect(res.status).toBe(200);
    expect(res.json.mode).toBe('dry-run');
    expect(upstream.received).toHaveLength(before); // nothing sent, no token fetched either
    return res.json;
  }

  it('bearer: the path is filled with example values, Authorization and custom headers masked', async () => {
    const id = await tool('bearer', 'create-issue', {
      endpointPath: '/repos/{owner}/{repo}/issues',
      httpMethod: 'POST',
      parameters: [...required('owner', 'repo', 'title'), { name: 'labels', type: 'ARRAY' }],
    });
    const out = await dryRun(id);
    expect(out.reason).toMatch(/owner, repo, title/);
    expect(out.arguments).toEqual({ owner: 'example-owner', repo: 'example-repo', title: 'example-title' });
    expect(out.request).toEqual({
      method: 'POST',
      url: `${upstream.origin}/v1/repos/example-owner/example-repo/issues`,
      headers: { accept: 'generic_text', 'x-secret-token': 'generic_text', authorization: 'generic_text', 'content-type': 'application/json' },
      body: { title: 'example-title' },
    });
    expect(out.credential).toEqual({ source: 'stored', placedIn: ['header authorization'] });
  });

  it('API key in the query: the key is masked in the URL', async () => {
    const id = await tool('query', 'search', {
      endpointPath: '/search',
      parameters: [...required('q'), { name: 'n', type: 'INTEGER', required: true, enum: [5, 10] }],
    });
    const out = await dryRun(id);
    const url = new URL(out.request.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: 'example-q', n: '5', api_key: 'generic_text' });
    expect(out.credential.placedIn).toEqual(['query api_key']);
  });

  it('API key in the body: the body field is masked', async () => {
    const id = await tool('body', 'body-search', {
      endpointPath: '/search',
      httpMethod: 'POST',
      parameters: [...required('query'), { name: 'max', type: 'NUMBER', required: true }],
    });
    const out = await dryRun(id);
    expect(out.request.body).toEqual({ query: 'example-query', max: 1, api_key: 'generic_text' });
    expect(out.credential.placedIn).toEqual(['body api_key']);
  });

  it('Basic auth: the header is masked, neither user:pass nor its base64 appears', async () => {
    const id = await tool('basic', 'basic-get', { endpointPath: '/items/{id}', parameters: required('id') });
    const out = await dryRun(id);
    expect(out.request.headers.authorization).toBe('generic_text');
    expect(out.request.url).toBe(`${upstream.origin}/v1/items/example-id`);
    expect(out.request.body).toBeNull();
  });

  it('dynamic auth: no token is fetched for a dry run; where it would go is shown', async () => {
    const id = await tool('dynamic', 'dyn-get', { endpointPath: '/users/{user}', parameters: required('user') });
    const out = await dryRun(id);
    expect(out.credential).toEqual({ source: 'dynamic', placedIn: ['header authorization'] });
    expect(out.request.headers).toEqual({ authorization: 'generic_text' });
  });

  it('a template body is rendered with the example values', async () => {
    const id = await tool('bearer', 'templated', {
      endpointPath: '/messages',
      httpMethod: 'POST',
      bodyPayloadTemplate: '{"message": {"text": "{{text}}", "count": {{count}}}}',
      parameters: [...required('text'), { name: 'count', type: 'INTEGER', required: true }],
    });
    const out = await dryRun(id);
    expect(out.request.body).toEqual({ message: { text: 'example-text', count: 1 } });
  });

  it('a disabled tool is shown as a dry run even without required parameters', async () => {
    const id = await tool('bearer', 'disabled-status', { endpointPath: '/status', enabled: false });
    const out = await dryRun(id);
    expect(out.reason).toMatch(/disabled/);
    expect(out.request.url).toBe(`${upstream.origin}/v1/status`);
  });
});

describe('validate mistakes', () => {
  it('unknown id 404, non-numeric id 400, wrong method 405', async () => {
    expect((await admin.call('POST', '/tools/999999/validate')).status).toBe(404);
    const bad = await admin.call('POST', '/tools/api/status/validate');
    expect(bad.status).toBe(400);
    expect(bad.json.fields).toEqual([{ field: 'id', message: expect.any(String) }]);
    const wrong = await admin.call('DELETE', '/tools/1/validate');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
  });

  it('no answer carried a secret', () => {
    expect(leaked(admin.bodies, CANARIES)).toEqual([]);
  });
});
