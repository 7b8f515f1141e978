import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { leaked, startCompat, type CompatHarness } from './harness.js';
import { flatKindFields } from '../../src/core/model.js';

/** SPEC §9: OpenHands' POST /api/add-git-providers — provider tokens, hosts, and the upstream MCP servers of mcp_config. */
let h: CompatHarness;
let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(async () => {
  h = await startCompat();
});
afterEach(async () => {
  await h.close();
});

const TOKEN = 'canary-ghp-provider-token-0001';
const TOKEN_2 = 'canary-ghp-provider-token-0002';
const API_KEY = 'canary-mcp-api-key-0003';
const ENV_SECRET = 'canary-stdio-env-secret-0004';
const CANARIES = [TOKEN, TOKEN_2, API_KEY, ENV_SECRET];

/** A GitHub-like provider whose base URL points nowhere until a host is stored for it. */
async function addGithub(extra: Record<string, unknown> = {}) {
  const provider = await h.server.app.catalog.createProvider({ name: 'GitHub Enterprise', code: 'github', baseUrl: 'http://127.0.0.1:9/api/v3', ...extra });
  await h.server.app.catalog.createTool({ name: 'Me', code: 'github-me', providerCode: 'github', endpointPath: '/user', httpMethod: 'GET' });
  return provider;
}

const post = (body: unknown, headers?: Record<string, string>) => h.call('POST', '/api/add-git-providers', body, headers);

async function callTool(name: string) {
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(h.server.url), { requestInit: { headers: { Authorization: `Bearer ${h.server.token}` } } }));
  try {
    return await client.callTool({ name });
  } finally {
    await client.close();
  }
}

const providerView = async (code: string) => ((await h.call('GET', '/admin/providers')).json as Array<Record<string, unknown>>).find((p) => p.code === code);

describe('provider_tokens', () => {
  it('the seed request: the token becomes the credential, host moves the base URL, user_id is kept — and calls go there with it', async () => {
    await addGithub();
    const res = await post({ provider_tokens: { github: { token: TOKEN, user_id: 'octocat', host: `127.0.0.1:${upstream.port}` } } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ message: 'Git providers stored', provider_tokens: ['github'] });

    const result = await callTool('github-me');
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    const received = upstream.requests.at(-1)!;
    expect(received.path).toBe('/api/v3/user'); // host replaced, scheme and path kept
    expect(received.headers.authorization).toBe(`Bearer ${TOKEN}`); // a NONE provider takes the token as a bearer token

    expect(await providerView('github')).toMatchObject({
      baseUrl: `http://127.0.0.1:${upstream.port}/api/v3`,
      authenticationType: 'BEARER_TOKEN',
      userId: 'octocat',
      hasApiKeyValue: true,
    });
  });

  it('an API_KEY provider gets the token as its key, where its settings put it', async () => {
    await addGithub({ authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: 'PRIVATE-TOKEN', baseUrl: `${upstream.url}/api/v4` });
    expect((await post({ provider_tokens: { github: { token: TOKEN } } })).status).toBe(200);
    await callTool('github-me');
    expect(upstream.requests.at(-1)!.headers['private-token']).toBe(TOKEN);
    expect(await providerView('github')).toMatchObject({ authenticationType: 'API_KEY', baseUrl: `${upstream.url}/api/v4` });
  });

  it('a token given as null (or blank) keeps the stored one; user_id and host change alone', async () => {
    await addGithub({ baseUrl: `${upstream.url}/api/v3` });
    await post({ provider_tokens: { github: { token: TOKEN, user_id: 'octocat' } } });
    for (const token of [null, '', undefined]) {
      const res = await post({ provider_tokens: { github: { token, user_id: 'hubot', host: null } } });
      expect(res.status, res.text).toBe(200);
    }
    await callTool('github-me');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(await providerView('github')).toMatchObject({ userId: 'hubot', baseUrl: `${upstream.url}/api/v3` });
  });

  it('422 for a token a provider could never send (dynamic auth), rolling back the valid entries beside it', async () => {
    await addGithub({ baseUrl: `${upstream.url}/api/v3` });
    await h.server.app.catalog.createProvider({
      name: 'Dyn',
      code: 'dyn',
      baseUrl: upstream.url,
      isDynamicAuth: true,
      dynamicAuthUrl: `${upstream.url}/token`,
    });
    const res = await post({ provider_tokens: { github: { token: TOKEN, user_id: 'octocat' }, dyn: { token: TOKEN_2 } } });
    expect(res.status, res.text).toBe(422);
    expect(res.json.detail).toEqual([
      { loc: ['body', 'provider_tokens', 'dyn', 'token'], msg: expect.stringContaining('dynamicAuthUrl'), type: 'value_error' },
    ]);
    expect(await h.server.app.catalog.getProvider('github')).toMatchObject({ apiKeyValue: null, userId: null });
    expect((await h.server.app.catalog.getProvider('dyn')).apiKeyValue).toBeNull();
  });

  it('accepts X-Session-API-Key with the server token in place of the bearer token', async () => {
    await addGithub({ baseUrl: `${upstream.url}/api/v3` });
    const res = await post({ provider_tokens: { github: { token: TOKEN } } }, { 'x-session-api-key': h.server.token });
    expect(res.status, res.text).toBe(200);
    expect((await h.server.app.catalog.getProvider('github')).apiKeyValue).toBe(TOKEN);
  });

  it('401 with {"detail"} without a token or with a wrong one, and writes nothing', async () => {
    await addGithub();
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { 'x-session-api-key': 'wrong' }]) {
      const res = await post({ provider_tokens: { github: { token: TOKEN } } }, headers);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ detail: expect.stringContaining('X-Session-API-Key') });
    }
    expect((await h.server.app.catalog.getProvider('github')).apiKeyValue).toBeNull();
  });
});

describe('422: any invalid part, and nothing is written', () => {
  const unprocessable = async (body: unknown) => {
    const res = await post(body);
    expect(res.status, res.text).toBe(422);
    for (const d of res.json.detail) expect(d).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
    return res.json.detail as Array<{ loc: Array<string | number>; msg: string; type: string }>;
  };

  beforeEach(async () => {
    await addGithub({ baseUrl: `${upstream.url}/api/v3`, apiKeyValue: TOKEN, authenticationType: 'BEARER_TOKEN', userId: 'octocat' });
  });
  afterEach(async () => {
    const github = await h.server.app.catalog.getProvider('github');
    expect(github).toMatchObject({ apiKeyValue: TOKEN, userId: 'octocat', baseUrl: `${upstream.url}/api/v3` });
    expect((await h.server.app.catalog.listProviders()).map((p) => p.code)).toEqual(['github']);
  });

  it('an unknown provider code, even beside a valid entry and a valid mcp_config', async () => {
    const detail = await unprocessable({
      provider_tokens: { github: { token: TOKEN_2, user_id: 'hubot' }, bitbucket: { token: TOKEN_2 } },
      mcp_config: { shttp_servers: [{ url: 'https://mcp.example.com/mcp', api_key: API_KEY }] },
    });
    expect(detail).toEqual([
      { loc: ['body', 'provider_tokens', 'bitbucket'], msg: expect.stringMatching(/^Unknown provider code "bitbucket"/), type: 'value_error' },
    ]);
  });

  it('a malformed body: not JSON, empty, not an object', async () => {
    expect(await unprocessable(`{"provider_tokens": {"github": {"token": "${TOKEN_2}"`)).toEqual([
      { loc: ['body'], msg: expect.stringMatching(/^JSON decode error/), type: 'json_invalid' },
    ]);
    expect((await unprocessable(''))[0]).toMatchObject({ loc: ['body'], type: 'missing' });
    expect((await unprocessable([{ github: TOKEN_2 }]))[0]).toMatchObject({ loc: ['body'], type: 'model_attributes_type' });
    expect(h.bodies.some((b) => b.includes(TOKEN_2))).toBe(false);
  });

  it('wrong types, each named by its location', async () => {
    const detail = await unprocessable({ provider_tokens: { github: { token: 42, user_id: ['x'], host: 'https://ghe.example.com/' } } });
    expect(detail.map((d) => [d.loc.join('.'), d.type])).toEqual([
      ['body.provider_tokens.github.token', 'string_type'],
      ['body.provider_tokens.github.user_id', 'string_type'],
      ['body.provider_tokens.github.host', 'value_error'],
    ]);
    expect(detail[2]!.msg).toMatch(/no scheme, path or user/);
    expect((await unprocessable({ provider_tokens: ['github'] }))[0]).toMatchObject({ loc: ['body', 'provider_tokens'], type: 'dict_type' });
    expect((await unprocessable({ provider_tokens: { github: 'token' } }))[0]).toMatchObject({
      loc: ['body', 'provider_tokens', 'github'],
      type: 'model_type',
    });
    expect((await unprocessable({ provider_tokens: { github: { host: 'ghe.example.com:99999' } } }))[0]).toMatchObject({
      loc: ['body', 'provider_tokens', 'github', 'host'],
    });
  });

  it('a bad mcp_config: unknown key, a server without a URL, a relative URL, a URL listed twice, a stdio server without command', async () => {
    const detail = await unprocessable({
      provider_tokens: { github: { token: TOKEN_2 } },
      mcp_config: {
        sse_servers: [{ url: 'https://mcp.example.com/sse' }, { api_key: API_KEY }, { url: '/relative' }],
        shttp_servers: [{ url: 'https://mcp.example.com/sse' }],
        stdio_servers: [{ name: 'fs' }],
        websocket_servers: [],
      },
    });
    expect(detail.map((d) => [d.loc.join('.'), d.type])).toEqual([
      ['body.mcp_config.websocket_servers', 'extra_forbidden'],
      ['body.mcp_config.sse_servers.1.url', 'missing'],
      ['body.mcp_config.sse_servers.2.url', 'value_error'],
      ['body.mcp_config.shttp_servers.0', 'value_error'],
      ['body.mcp_config.stdio_servers.0.command', 'missing'],
    ]);
    expect(h.bodies.join('\n')).not.toContain(API_KEY);
  });
});

describe('mcp_config', () => {
  const mcpProviders = async () => ((await h.call('GET', '/admin/providers')).json as Array<Record<string, unknown>>).filter((p) => p.kind === 'mcp');

  it('registers each server as a kind-mcp provider with a code from its URL, api_key as its bearer credential', async () => {
    const res = await post({
      mcp_config: {
        sse_servers: [{ url: 'https://mcp.example.com/sse', api_key: API_KEY }],
        shttp_servers: [{ url: 'https://mcp.example.com/mcp', api_key: null }, { url: 'http://mcp.example.com/mcp' }, { url: 'http://127.0.0.1:8931/v1/mcp' }],
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.mcp_servers.removed).toEqual([]);
    const byUrl = Object.fromEntries((await mcpProviders()).map((p) => [String(p.url), p]));
    expect(byUrl['https://mcp.example.com/sse']).toMatchObject({
      code: 'mcp.example.com-sse',
      protocol: 'sse',
      hasApiKeyValue: true,
      authenticationType: 'BEARER_TOKEN',
      baseUrl: null,
    });
    expect(byUrl['https://mcp.example.com/mcp']).toMatchObject({ code: 'mcp.example.com-mcp', protocol: 'streamable_http', hasApiKeyValue: false });
    expect(byUrl['http://mcp.example.com/mcp']).toMatchObject({
      code: expect.stringMatching(/^mcp\.example\.com-mcp-[0-9a-f]{8}$/),
      protocol: 'streamable_http',
    });
    expect(byUrl['http://127.0.0.1:8931/v1/mcp']).toMatchObject({ code: '127.0.0.1-8931-v1-mcp' });
    expect(new Set(Object.values(byUrl).map((p) => p.code)).size).toBe(4); // distinct URLs, distinct codes
    expect((await h.server.app.catalog.getProvider('mcp.example.com-sse')).apiKeyValue).toBe(API_KEY);
  });

  it('is the whole set: a later mcp_config updates, adds and removes — only servers it registered', async () => {
    const manual = await h.server.app.catalog.createProvider({ name: 'Mine', code: 'mine', kind: 'mcp', url: 'https://mine.example.com/mcp' });
    await post({
      mcp_config: { sse_servers: [{ url: 'https://a.example.com/sse', api_key: API_KEY }], shttp_servers: [{ url: 'https://b.example.com/mcp' }] },
    });
    const a = await h.server.app.catalog.getProvider('a.example.com-sse');

    const res = await post({
      mcp_config: { shttp_servers: [{ url: 'https://a.example.com/sse', api_key: '<YOUR_API_KEY>' }, { url: 'https://c.example.com/mcp' }] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.mcp_servers).toEqual({
      registered: [
        { code: 'a.example.com-sse', protocol: 'streamable_http', server: 'https://a.example.com/sse', status: 'updated' },
        { code: 'c.example.com-mcp', protocol: 'streamable_http', server: 'https://c.example.com/mcp', status: 'created' },
      ],
      removed: ['b.example.com-mcp'],
    });
    const after = await h.server.app.catalog.getProvider('a.example.com-sse');
    expect(after).toMatchObject({ id: a.id, transport: { protocol: 'streamable_http' }, apiKeyValue: API_KEY }); // same provider; a masked api_key keeps the stored one
    // Listed without api_key, it has none any more: a vault credential for its URL can take over.
    expect((await post({ mcp_config: { shttp_servers: [{ url: 'https://a.example.com/sse' }, { url: 'https://c.example.com/mcp' }] } })).status).toBe(200);
    expect(await h.server.app.catalog.getProvider('a.example.com-sse')).toMatchObject({ id: a.id, apiKeyValue: null, authenticationType: 'NONE' });
    expect((await mcpProviders()).map((p) => p.code).sort()).toEqual(['a.example.com-sse', 'c.example.com-mcp', 'mine']);

    // omitted: the servers stay; given empty: every server it registered goes, the manual one stays
    expect((await post({ provider_tokens: {} })).status).toBe(200);
    expect(await mcpProviders()).toHaveLength(3);
    expect((await post({ mcp_config: {} })).json.mcp_servers.removed.sort()).toEqual(['a.example.com-sse', 'c.example.com-mcp']);
    expect((await mcpProviders()).map((p) => p.code)).toEqual([manual.code]);
  });

  it('refuses stdio servers with 403 without TOOLWIRE_ALLOW_STDIO_UPSTREAMS, writing nothing at all', async () => {
    await addGithub();
    const res = await post({
      provider_tokens: { github: { token: TOKEN } },
      mcp_config: {
        shttp_servers: [{ url: 'https://mcp.example.com/mcp' }],
        stdio_servers: [{ name: 'fs', command: 'npx', args: ['-y', 'server-fs'], env: { SECRET: ENV_SECRET } }],
      },
    });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ detail: expect.stringContaining('TOOLWIRE_ALLOW_STDIO_UPSTREAMS=1') });
    expect((await h.server.app.catalog.getProvider('github')).apiKeyValue).toBeNull();
    expect(await mcpProviders()).toEqual([]);
  });
});

describe('mcp_config with TOOLWIRE_ALLOW_STDIO_UPSTREAMS=1', () => {
  it('registers stdio servers by name, env values secret; an unchanged one can be sent again', async () => {
    await h.close();
    h = await startCompat({ TOOLWIRE_ALLOW_STDIO_UPSTREAMS: '1' });
    const config = { mcp_config: { stdio_servers: [{ name: 'File System', command: 'npx', args: ['-y', 'server-fs'], env: { SECRET: ENV_SECRET } }] } };
    const res = await post(config);
    expect(res.status, res.text).toBe(200);
    const view = (await providerView('file-system'))!;
    expect(view).toMatchObject({ kind: 'mcp', protocol: 'stdio', command: 'npx', args: ['-y', 'server-fs'], env: { SECRET: 'generic_text' }, url: null });
    expect(flatKindFields(await h.server.app.catalog.getProvider('file-system')).env).toEqual({ SECRET: ENV_SECRET });
    expect((await post(config)).json.mcp_servers.registered).toEqual([{ code: 'file-system', protocol: 'stdio', server: 'File System', status: 'updated' }]);
  });
});

describe('secrets sent to add-git-providers', () => {
  it('never appear in a response, GET /admin/export, the log or the database bytes', async () => {
    await h.close();
    h = await startCompat({ TOOLWIRE_ALLOW_STDIO_UPSTREAMS: '1' });
    await addGithub({ baseUrl: `${upstream.url}/api/v3` });
    const body = {
      provider_tokens: { github: { token: TOKEN, user_id: 'octocat' } },
      mcp_config: {
        sse_servers: [{ url: 'https://mcp.example.com/sse', api_key: API_KEY }],
        stdio_servers: [{ name: 'fs', command: 'node', args: ['fs.js'], env: { SECRET: ENV_SECRET } }],
      },
    };
    expect((await post(body)).status).toBe(200);
    expect((await post({ provider_tokens: { github: { token: TOKEN_2 } } })).status).toBe(200);
    expect((await post({ provider_tokens: { nope: { token: TOKEN } } })).status).toBe(422);
    await callTool('github-me');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN_2}`);
    const exported = await h.call('GET', '/admin/export');
    expect(exported.status).toBe(200);
    expect(exported.json.map((p: { code: string }) => p.code)).toEqual(['github', 'mcp.example.com-sse', 'fs']);
    await h.call('GET', '/admin/providers');
    expect(leaked(h.bodies, CANARIES)).toEqual([]);
    expect(h.server.logLines.some((l) => l.includes('add-git-providers'))).toBe(true);
    expect(leaked(h.server.logLines, CANARIES)).toEqual([]);
    expect(leaked([h.databaseBytes()], CANARIES)).toEqual([]);
  });
});
