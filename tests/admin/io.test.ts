import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaked, startAdmin, type AdminHarness } from './harness.js';

const HANDSAI_EXPORT = JSON.parse(readFileSync(new URL('./fixtures/handsai-export-example.json', import.meta.url), 'utf8')) as Array<Record<string, unknown>>;

const KEY = 'canary-io-key-0a1b2c3d';
const HEADER_SECRET = 'canary-io-header-4e5f6071';
const CLIENT_SECRET = 'canary-io-client-8293a4b5';
const CANARIES = [KEY, HEADER_SECRET, CLIENT_SECRET];

let admin: AdminHarness;
beforeAll(async () => {
  admin = await startAdmin();
  await admin.call('POST', '/providers', {
    name: 'Search API',
    code: 'search',
    baseUrl: 'https://search.example.com',
    authenticationType: 'API_KEY',
    apiKeyLocation: 'QUERY_PARAMETER',
    apiKeyName: 'key',
    apiKeyValue: KEY,
    customHeaders: { Accept: 'application/json', 'X-Session-Token': HEADER_SECRET },
  });
  await admin.call('POST', '/providers', {
    name: 'OAuth API',
    code: 'oauth',
    baseUrl: 'https://oauth.example.com',
    authenticationType: 'BEARER_TOKEN',
    isDynamicAuth: true,
    dynamicAuthUrl: 'https://oauth.example.com/token',
    dynamicAuthMethod: 'POST',
    dynamicAuthPayloadType: 'FORM_DATA',
    dynamicAuthPayloadLocation: 'BODY',
    dynamicAuthPayload: `grant_type=client_credentials&client_id=abc&client_secret=${CLIENT_SECRET}`,
    dynamicAuthTokenExtractionPath: '$.access_token',
  });
  await admin.call('POST', '/providers', { name: 'Private', code: 'private', baseUrl: 'https://private.example.com', isExportable: false, apiKeyValue: 'x' });
  await admin.call('POST', '/tools/api/batch', [
    { name: 'Search', code: 'search-query', providerCode: 'search', endpointPath: '/q', parameters: [{ name: 'q', required: true }] },
    { name: 'Suggest', code: 'search-suggest', providerCode: 'search', endpointPath: '/suggest' },
    { name: 'Me', code: 'oauth-me', providerCode: 'oauth', endpointPath: '/me' },
    { name: 'Hidden', code: 'private-x', providerCode: 'private', endpointPath: '/x' },
  ]);
});
afterAll(() => admin.close());

const codes = (list: Array<{ code: string }>) => list.map((p) => p.code);

describe('GET /admin/export', () => {
  it('exports exportable providers with their tools, secrets as placeholders, configuration headers kept', async () => {
    const res = await admin.call('GET', '/export');
    expect(res.status).toBe(200);
    expect(codes(res.json)).toEqual(['search', 'oauth']);
    const [search, oauth] = res.json;
    expect(search).not.toHaveProperty('id');
    expect(search).toMatchObject({ apiKeyValue: '<YOUR_API_KEY>', customHeaders: { Accept: 'application/json', 'X-Session-Token': '<YOUR_API_KEY>' } });
    expect(codes(search.tools)).toEqual(['search-query', 'search-suggest']);
    expect(search.tools[0]).not.toHaveProperty('id');
    expect(search.tools[0]).not.toHaveProperty('providerId');
    expect(new URLSearchParams(oauth.dynamicAuthPayload).get('client_secret')).toBe('<YOUR_API_KEY>');
    expect(res.text).not.toContain(KEY);
  });

  it('?provider=CODE narrows the export (repeatable); an unknown code is 404', async () => {
    expect(codes((await admin.call('GET', '/export?provider=oauth')).json)).toEqual(['oauth']);
    expect(codes((await admin.call('GET', '/export?provider=oauth&provider=search')).json)).toEqual(['oauth', 'search']);
    expect((await admin.call('GET', '/export?provider=private')).json).toEqual([]);
    const unknown = await admin.call('GET', '/export?provider=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe('not_found');
    expect((await admin.call('POST', '/export', [])).status).toBe(405);
  });
});

describe('POST /admin/import', () => {
  it('an export imported back updates in place and keeps every stored secret', async () => {
    const exported = (await admin.call('GET', '/export')).json;
    exported[0].name = 'Search API v2';
    const res = await admin.call('POST', '/import', exported);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ dryRun: false, providers: { created: [], updated: ['search', 'oauth'] }, tools: { created: [], removed: [] } });
    // The tools came back exactly as exported: reported unchanged, not rewritten.
    expect(res.json.tools.updated).toEqual([]);
    expect(res.json.tools.unchanged).toEqual(['search-query', 'search-suggest', 'oauth-me']);
    const search = await admin.app.catalog.getProvider('search');
    expect(search).toMatchObject({ name: 'Search API v2', apiKeyValue: KEY, customHeaders: { Accept: 'application/json', 'X-Session-Token': HEADER_SECRET } });
    expect((await admin.app.catalog.getProvider('oauth')).dynamicAuthPayload).toBe(
      `grant_type=client_credentials&client_id=abc&client_secret=${CLIENT_SECRET}`,
    );
  });

  it('into an empty place, placeholders store no secret', async () => {
    const exported = (await admin.call('GET', '/export?provider=search')).json;
    exported[0].code = 'search-copy';
    exported[0].tools = exported[0].tools.map((t: { code: string }) => ({ ...t, code: `copy-${t.code}` }));
    const res = await admin.call('POST', '/import', exported);
    expect(res.status, res.text).toBe(200);
    expect(res.json.providers.created).toEqual(['search-copy']);
    expect((await admin.app.catalog.getProvider('search-copy')).apiKeyValue).toBeNull();
    const view = (await admin.call('GET', `/providers/${(await admin.app.catalog.getProvider('search-copy')).id}`)).json;
    expect(view.hasApiKeyValue).toBe(false);
  });

  it('the HandsAI export example imports unchanged; ?dryRun=true reports and writes nothing', async () => {
    const dry = await admin.call('POST', '/import?dryRun=true', HANDSAI_EXPORT);
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json).toMatchObject({
      dryRun: true,
      providers: { created: ['bluesky', 'github'] },
      tools: { created: ['bluesky-timeline', 'github-create-issue'] },
    });
    expect(await admin.app.store.providers.findByCode('bluesky')).toBeUndefined();
    expect(await admin.app.store.tools.findByCode('github-create-issue')).toBeUndefined();

    const res = await admin.call('POST', '/import', HANDSAI_EXPORT);
    expect(res.status).toBe(200);
    expect(res.json.providers.created).toEqual(['bluesky', 'github']);
    expect((await admin.app.catalog.getProvider('github')).customHeaders).toEqual({
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
    });
    expect(admin.app.registry.current().entries.has('github-create-issue')).toBe(true);
  });

  it('?prune=true removes the tools of an imported provider that the file does not list', async () => {
    const exported = (await admin.call('GET', '/export?provider=search')).json;
    exported[0].tools = exported[0].tools.filter((t: { code: string }) => t.code === 'search-query');
    const kept = await admin.call('POST', '/import', exported);
    expect(kept.json.tools.removed).toEqual([]);
    expect(await admin.app.store.tools.findByCode('search-suggest')).toBeDefined();
    const pruned = await admin.call('POST', '/import?prune=true', exported);
    expect(pruned.status).toBe(200);
    expect(pruned.json).toMatchObject({ prune: true, tools: { removed: ['search-suggest'] } });
    expect(await admin.app.store.tools.findByCode('search-suggest')).toBeUndefined();
  });

  it('one invalid entry rejects the whole file with the entry and field named; nothing is written', async () => {
    const file = [
      { name: 'Fine', code: 'fine', baseUrl: 'https://fine.example.com', tools: [] },
      { name: 'Broken', code: 'broken', baseUrl: 'https://broken.example.com', tools: [{ name: 'T', code: 't1', endpointPath: '/t', httpMethod: 'YELL' }] },
    ];
    const res = await admin.call('POST', '/import', file);
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/Import entry 1/);
    expect(res.json.fields).toContainEqual({ field: 'tools[0].httpMethod', message: expect.stringMatching(/GET, POST/) });
    expect(await admin.app.store.providers.findByCode('fine')).toBeUndefined();

    const badUrl = await admin.call('POST', '/import', [{ ...file[0] }, { name: 'No URL', code: 'no-url' }]);
    expect(badUrl.status).toBe(400);
    expect(badUrl.json.fields).toContainEqual(expect.objectContaining({ field: 'baseUrl' }));
    expect(await admin.app.store.providers.findByCode('fine')).toBeUndefined();
  });

  it('a tool code of another provider is 409; a code twice in the file is 400', async () => {
    const stolen = await admin.call('POST', '/import', [
      { name: 'Thief', code: 'thief', baseUrl: 'https://t.example.com', tools: [{ name: 'X', code: 'oauth-me', endpointPath: '/x' }] },
    ]);
    expect(stolen.status).toBe(409);
    expect(await admin.app.store.providers.findByCode('thief')).toBeUndefined();
    const twice = await admin.call('POST', '/import', [
      { name: 'A', code: 'dup-a', baseUrl: 'https://a.example.com', tools: [{ name: 'X', code: 'same', endpointPath: '/x' }] },
      { name: 'B', code: 'dup-b', baseUrl: 'https://b.example.com', tools: [{ name: 'Y', code: 'same', endpointPath: '/y' }] },
    ]);
    expect(twice.status).toBe(400);
    expect(twice.json.fields[0].field).toBe('tools[0].code');
  });

  it('a body that is not a list, malformed JSON or a bad flag is 400', async () => {
    const notList = await admin.call('POST', '/import', { providers: [] });
    expect(notList.status).toBe(400);
    expect(notList.json.fields[0].field).toBe('(file)');
    expect((await admin.call('POST', '/import', '[{"name": "x",')).status).toBe(400);
    const flag = await admin.call('POST', '/import?dryRun=maybe', []);
    expect(flag.status).toBe(400);
    expect(flag.json.fields).toEqual([{ field: 'dryRun', message: 'must be true or false' }]);
    expect((await admin.call('GET', '/import')).status).toBe(405);
  });

  it('a stdio MCP upstream in an import file is refused over HTTP (403), nothing written', async () => {
    const res = await admin.call('POST', '/import', [
      { name: 'Fine', code: 'fine', baseUrl: 'https://fine.example.com' },
      { name: 'Local', code: 'local', kind: 'mcp', command: 'node', args: ['x.js'] },
    ]);
    expect(res.status).toBe(403);
    expect(await admin.app.store.providers.findByCode('fine')).toBeUndefined();
  });

  it('no answer carried a secret', () => {
    expect(leaked(admin.bodies, CANARIES)).toEqual([]);
  });
});
