import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { exportProviders } from '../../src/catalog/io/export.js';
import { importProviders } from '../../src/catalog/io/import.js';
import { CLI_RULES } from '../../src/catalog/write-rules.js';
import { credentialNeedOf } from '../../src/core/tool-result.js';
import { connect, makeApp, tempDir, testEnv, textOf } from '../helpers/app.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { echo, startUpstream, type Upstream } from '../helpers/upstream.js';
import { startFakeOAuthServer, type FakeOAuthServer } from './fake-oauth-server.js';

/**
 * OAuth 2 providers (SPEC §11) end to end on one in-process `serve --http`: a fake authorization server
 * (PKCE, secret and grant checked; short-lived, rotated tokens) and an API that accepts only the access
 * tokens it issued. client_credentials is one shared token (one fetch for concurrent calls, renewed after
 * expiry and after a 401); authorization_code is each client's own grant, obtained through the
 * authorization URL and /connect/callback, renewed before expiry and after a 401, and a grant that cannot
 * be renewed gives the credential-required answer. No token or client secret shows anywhere.
 */
const CC_SECRET = 'cc-client-secret-canary-5e1b9d';
const AC_SECRET = 'ac-client-secret-canary-8f2c4a';
const dir = tempDir();
const env = testEnv(dir);

let oauthServer: FakeOAuthServer;
let upstream: Upstream;
let server: InProcessServer;
const tokens: Record<string, string> = {};
const results: string[] = [];

beforeAll(async () => {
  oauthServer = await startFakeOAuthServer({ 'cc-app': CC_SECRET, 'ac-app': AC_SECRET });
  upstream = await startUpstream((req, res) => {
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!oauthServer.valid.has(bearer)) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
    return echo(req, res);
  });
  server = await startInProcess(env);
  const { catalog } = server.app;
  await catalog.createProvider({
    name: 'Shared OAuth',
    code: 'cc',
    baseUrl: upstream.url,
    authenticationType: 'OAUTH2',
    oauth: { grant: 'client_credentials', tokenUrl: `${oauthServer.url}/token`, clientId: 'cc-app', clientSecret: CC_SECRET, scopes: ['read'] },
  });
  await catalog.createProvider({
    name: 'Own account',
    code: 'gh',
    baseUrl: upstream.url,
    authenticationType: 'OAUTH2',
    oauth: {
      authorizationUrl: `${oauthServer.url}/authorize`,
      tokenUrl: `${oauthServer.url}/token`,
      clientId: 'ac-app',
      clientSecret: AC_SECRET,
      scopes: ['repo', 'read:user'],
      pkce: true,
    },
  });
  await catalog.createTool({ name: 'cc-echo', code: 'cc-echo', providerCode: 'cc', endpointPath: '/cc-echo' });
  await catalog.createTool({ name: 'gh-echo', code: 'gh-echo', providerCode: 'gh', endpointPath: '/gh-echo' });
  for (const name of ['alice', 'bob', 'carol']) tokens[name] = (await catalog.clients.addClient({ name })).token;
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
  await oauthServer?.close();
});

async function call(token: string, name: string, mode: 'legacy' | { pin: string } = 'legacy') {
  const client = new Client({ name: 'oauth2', version: '1' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  try {
    const result = await client.callTool({ name, arguments: {} });
    const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
    results.push(text);
    return { isError: result.isError === true, text };
  } finally {
    await client.close();
  }
}

const bearerOf = (path: string) => String(upstream.requests.filter((r) => r.path === path).at(-1)?.headers.authorization ?? '').replace(/^Bearer /, '');
const sent = (path: string) => upstream.requests.filter((r) => r.path === path).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The connect page's part: the authorization URL for a client, followed to the fake server and back to the callback. */
async function signIn(clientName: string): Promise<{ status: number; text: string; callback: string; contentType: string }> {
  const authorizeUrl = await server.signIn.authorizationUrl('gh', clientName);
  const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = authorize.headers.get('location') ?? '';
  const page = await fetch(callback);
  return { status: page.status, text: await page.text(), callback, contentType: page.headers.get('content-type') ?? '' };
}

const ownFields = async (client: string) => (await server.app.catalog.credentials.listCredentials(client)).map((c) => `${c.provider}:${c.fields.join(',')}`);

describe('client_credentials (shared)', () => {
  it('fetches one token for concurrent calls and sends it as a bearer token, masked when the API echoes it', async () => {
    oauthServer.ttlSeconds = 1;
    const answers = await Promise.all([tokens.alice, tokens.bob, server.token, tokens.carol, tokens.alice].map((t) => call(t!, 'cc-echo')));
    for (const answer of answers) expect(answer.isError, answer.text).toBe(false);
    const fetches = oauthServer.grants('client_credentials');
    expect(fetches).toHaveLength(1);
    expect(fetches[0]!.form.get('scope')).toBe('read');
    expect(oauthServer.familyOf(bearerOf('/cc-echo'))).toBe(0);
    for (const answer of answers) expect(answer.text).toContain('[REDACTED]');
  });

  it('fetches a new token once the first one expired', async () => {
    const first = bearerOf('/cc-echo');
    oauthServer.ttlSeconds = 3600;
    await sleep(1100);
    expect((await call(tokens.alice!, 'cc-echo')).isError).toBe(false);
    expect(oauthServer.grants('client_credentials')).toHaveLength(2);
    expect(bearerOf('/cc-echo')).not.toBe(first);
  });

  it('fetches a new token after a 401 and retries the call once', async () => {
    const refused = bearerOf('/cc-echo');
    oauthServer.valid.delete(refused);
    const before = sent('/cc-echo');
    const answer = await call(tokens.bob!, 'cc-echo', { pin: '2026-07-28' });
    expect(answer.isError, answer.text).toBe(false);
    expect(sent('/cc-echo')).toBe(before + 2);
    expect(oauthServer.grants('client_credentials')).toHaveLength(3);
    expect(bearerOf('/cc-echo')).not.toBe(refused);
  });
});

describe('authorization_code (each client its own account)', () => {
  it('answers a client that has not connected with the credential-required result, and sends nothing', async () => {
    const before = sent('/gh-echo');
    const answer = await call(tokens.alice!, 'gh-echo');
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain('client "alice" has no usable grant');
    expect(answer.text).toContain('Connect the account');
    expect(sent('/gh-echo')).toBe(before);
    // The answer carries the need the connect link is made from (for the inbound side, never on the wire).
    const entry = server.app.registry.current().entries.get('gh-echo')!;
    const marked = await entry.invoke({}, { caller: 'alice' });
    expect(credentialNeedOf(marked)).toEqual({ providerId: (await server.app.catalog.getProvider('gh')).id, providerCode: 'gh', clientName: 'alice' });
  });

  it('signs a client in with PKCE and state, stores its grant, and calls with its own access token (both revisions)', async () => {
    const page = await signIn('alice');
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('Account connected');
    expect(page.contentType).toMatch(/^text\/html/);
    const authorize = oauthServer.requests.filter((r) => r.path === '/authorize').at(-1)!;
    expect(authorize.query.get('code_challenge_method')).toBe('S256');
    expect(authorize.query.get('scope')).toBe('repo read:user');
    expect(authorize.query.get('redirect_uri')).toBe(`${server.base}/connect/callback`);
    const exchange = oauthServer.grants('authorization_code').at(-1)!;
    expect(exchange.form.get('code_verifier')).toMatch(/^[\w-]{43,}$/);
    expect(await ownFields('alice')).toEqual(['gh:oauth.accessToken,oauth.refreshToken']);

    for (const mode of ['legacy', { pin: '2026-07-28' }] as const) {
      const answer = await call(tokens.alice!, 'gh-echo', mode);
      expect(answer.isError, answer.text).toBe(false);
      expect(answer.text).toContain('[REDACTED]');
    }
    tokens.aliceFamily = String(oauthServer.familyOf(bearerOf('/gh-echo')));
    expect(tokens.aliceFamily).not.toBe('undefined');
  });

  it('gives a second client its own token', async () => {
    expect((await signIn('bob')).status).toBe(200);
    expect((await call(tokens.bob!, 'gh-echo')).isError).toBe(false);
    const bobFamily = String(oauthServer.familyOf(bearerOf('/gh-echo')));
    expect(bobFamily).not.toBe(tokens.aliceFamily);
    expect((await call(tokens.alice!, 'gh-echo')).isError).toBe(false);
    expect(String(oauthServer.familyOf(bearerOf('/gh-echo')))).toBe(tokens.aliceFamily);
  });

  it('stores nothing for a wrong state, a used state, a bad verifier or a refusal', async () => {
    const exchanges = oauthServer.grants('authorization_code').length;
    const wrong = await fetch(`${server.base}/connect/callback?code=code-1&state=forged`);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('unknown or was already finished');

    const first = await signIn('carol');
    expect(first.status).toBe(200);
    await server.app.catalog.credentials.removeCredential('carol', 'gh');
    const replay = await fetch(first.callback);
    expect(replay.status).toBe(400);
    expect(oauthServer.grants('authorization_code')).toHaveLength(exchanges + 1);

    oauthServer.corruptNextChallenge = true;
    const badVerifier = await signIn('carol');
    expect(badVerifier.status).toBe(502);
    expect(badVerifier.text).toContain('error &#34;invalid_grant&#34;');

    oauthServer.denyNext = true;
    const denied = await signIn('carol');
    expect(denied.status).toBe(400);
    expect(denied.text).toContain('access_denied');
    expect(await ownFields('carol')).toEqual([]);
  });

  it('renews after a 401 and retries once, without moving the registry version (no tools/list_changed)', async () => {
    const refused = bearerOf('/gh-echo');
    oauthServer.valid.delete(refused);
    const version = await server.app.store.registryVersion();
    const before = sent('/gh-echo');
    const answer = await call(tokens.alice!, 'gh-echo');
    expect(answer.isError, answer.text).toBe(false);
    expect(sent('/gh-echo')).toBe(before + 2);
    expect(bearerOf('/gh-echo')).not.toBe(refused);
    expect(String(oauthServer.familyOf(bearerOf('/gh-echo')))).toBe(tokens.aliceFamily);
    expect(await server.app.store.registryVersion()).toBe(version);
    // The renewed tokens were stored: a fresh read of the credential has them.
    const stored = (await server.app.catalog.credentials.index()).find((c) => c.clientName === 'alice');
    expect(stored?.secrets.oauth?.accessToken).toBe(bearerOf('/gh-echo'));
  });

  it('renews before expiry', async () => {
    oauthServer.ttlSeconds = 1;
    expect((await signIn('carol')).status).toBe(200);
    oauthServer.ttlSeconds = 3600;
    const refreshes = oauthServer.grants('refresh_token').length;
    await sleep(1100);
    const before = sent('/gh-echo');
    expect((await call(tokens.carol!, 'gh-echo')).isError).toBe(false);
    expect(oauthServer.grants('refresh_token')).toHaveLength(refreshes + 1);
    expect(sent('/gh-echo')).toBe(before + 1);
  });

  it('answers with the credential-required result when the grant can no longer be renewed', async () => {
    oauthServer.refuseRefresh = true;
    oauthServer.valid.delete(bearerOf('/gh-echo'));
    const answer = await call(tokens.carol!, 'gh-echo');
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain('refused to renew');
    expect(answer.text).toContain('Connect the account');
    oauthServer.refuseRefresh = false;
  });

  it('signs a client in through the connect page: the link, its token, the authorization server, the callback, then the call', async () => {
    const dave = (await server.app.catalog.clients.addClient({ name: 'dave' })).token;
    const first = await call(dave, 'gh-echo', { pin: '2026-07-28' });
    expect(first.isError).toBe(true);
    const link = /http:\/\/\S+\/connect\/[A-Za-z0-9_-]+/.exec(first.text)?.[0] as string;
    expect(link, first.text).toBeTruthy();
    const form = await fetch(link);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="token"');
    // Another client's token: refused, and no sign-in starts.
    const before = oauthServer.requests.length;
    const stranger = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${tokens.alice}`,
      redirect: 'manual',
    });
    expect(stranger.status).toBe(403);
    const proven = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${dave}`,
      redirect: 'manual',
    });
    expect(proven.status).toBe(303);
    const authorizeUrl = proven.headers.get('location') ?? '';
    expect(authorizeUrl.startsWith(`${oauthServer.url}/authorize?`)).toBe(true);
    expect(oauthServer.requests.length).toBe(before);
    const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
    const callback = await fetch(authorize.headers.get('location') ?? '');
    expect(callback.status).toBe(200);
    expect(await ownFields('dave')).toEqual([expect.stringMatching(/^gh:/)]);
    const retried = await call(dave, 'gh-echo', { pin: '2026-07-28' });
    expect(retried.isError, retried.text).toBe(false);
    expect(oauthServer.familyOf(bearerOf('/gh-echo'))).toEqual(expect.any(Number));
  });
});

describe('the secrets', () => {
  it('never show in results, views, exports or the database files', async () => {
    const view = await fetchJson(`${server.base}/admin/providers`, 'GET', undefined, { authorization: `Bearer ${server.token}` });
    const gh = (view.json as Array<{ code: string; oauth?: { hasClientSecret: boolean } }>).find((p) => p.code === 'gh');
    expect(gh?.oauth?.hasClientSecret).toBe(true);
    const exported = await fetchJson(`${server.base}/admin/export`, 'GET', undefined, { authorization: `Bearer ${server.token}` });
    expect(exported.json.find((p: { code: string }) => p.code === 'cc').oauth.clientSecret).toBe('<YOUR_API_KEY>');
    const files = ['toolwire.db', 'toolwire.db-wal'].map((f) => join(dir, f)).filter((f) => existsSync(f));
    const bytes = files.map((f) => readFileSync(f).toString('latin1')).join('');
    const secrets = [CC_SECRET, AC_SECRET, ...oauthServer.issued];
    expect(oauthServer.issued.length).toBeGreaterThan(8);
    for (const secret of secrets) {
      for (const text of [...results, view.text, exported.text]) expect(text).not.toContain(secret);
      expect(bytes).not.toContain(secret);
      for (const line of server.logLines) expect(line).not.toContain(secret);
    }
  });

  it('drops the client secret and every grant when the token endpoint moves', async () => {
    const moved = await server.app.catalog.updateProvider('gh', { oauth: { tokenUrl: 'https://elsewhere.example.com/token' } });
    expect(moved.provider.oauth?.clientSecret).toBeNull();
    expect(moved.droppedSecrets).toEqual(['oauth.clientSecret']);
    expect(await ownFields('alice')).toEqual([]);
  });
});

describe('export and import', () => {
  it('round-trips the settings with the client secret as a placeholder, which a call then asks for', async () => {
    const exported = await exportProviders(server.app.catalog, ['cc']);
    expect(exported[0]?.oauth).toEqual({
      grant: 'client_credentials',
      authorizationUrl: null,
      tokenUrl: `${oauthServer.url}/token`,
      clientId: 'cc-app',
      clientSecret: '<YOUR_API_KEY>',
      scopes: ['read'],
      pkce: true,
    });
    const other = await makeApp();
    try {
      await importProviders(other.catalog, exported, { rules: CLI_RULES });
      const imported = await other.catalog.getProvider('cc');
      expect(imported.oauth).toMatchObject({ grant: 'client_credentials', clientId: 'cc-app', clientSecret: null });
      expect(imported.credentialMode).toBe('shared');
      const client = await connect(other);
      const answer = await client.callTool({ name: 'cc-echo', arguments: {} });
      await client.close();
      expect(answer.isError).toBe(true);
      expect(textOf(answer)).toContain('oauth.clientSecret is not set');
    } finally {
      await other.close();
    }
  });
});

describe('TOOLWIRE_BLOCK_PRIVATE', () => {
  it('applies to the token endpoint: a loopback one is refused and never reached', async () => {
    const guarded = await makeApp({ TOOLWIRE_BLOCK_PRIVATE: '1' });
    try {
      await guarded.catalog.createProvider({
        name: 'Guarded',
        code: 'guarded',
        baseUrl: 'https://api.example.com',
        authenticationType: 'OAUTH2',
        oauth: { grant: 'client_credentials', tokenUrl: `${oauthServer.url}/token`, clientId: 'cc-app', clientSecret: CC_SECRET },
      });
      await guarded.catalog.createTool({ name: 'g', code: 'g', providerCode: 'guarded', endpointPath: '/g' });
      const before = oauthServer.requests.length;
      const client = await connect(guarded);
      const answer = await client.callTool({ name: 'g', arguments: {} });
      await client.close();
      expect(answer.isError).toBe(true);
      expect(textOf(answer)).toContain('Refused to connect');
      expect(oauthServer.requests).toHaveLength(before);
    } finally {
      await guarded.close();
    }
  });
});

describe('bad settings', () => {
  const create = (fields: Record<string, unknown>) => async () =>
    await server.app.catalog.createProvider({ name: 'Bad', baseUrl: 'https://api.example.com', authenticationType: 'OAUTH2', ...fields });

  it('names each bad field and the fix', async () => {
    await expect(create({ oauth: { tokenUrl: '/token', clientId: 'x', authorizationUrl: 'ftp://a' } })).rejects.toThrow(
      /oauth\.authorizationUrl must be an absolute http\(s\) URL.*oauth\.tokenUrl must be an absolute http\(s\) URL|oauth\.tokenUrl must be an absolute http\(s\) URL.*oauth\.authorizationUrl must be an absolute http\(s\) URL/,
    );
    await expect(create({})).rejects.toThrow(/oauth\.tokenUrl is required.*oauth\.clientId is required/);
    await expect(
      create({ credentialMode: 'shared', oauth: { authorizationUrl: 'https://a/authorize', tokenUrl: 'https://a/token', clientId: 'x' } }),
    ).rejects.toThrow(/credentialMode must be "per_user" with oauth.grant "authorization_code"/);
    await expect(
      create({ credentialMode: 'per_user', oauth: { grant: 'client_credentials', tokenUrl: 'https://a/token', clientId: 'x', clientSecret: 's' } }),
    ).rejects.toThrow(/credentialMode must be "shared" with oauth.grant "client_credentials"/);
    await expect(create({ oauth: { authorizationUrl: 'https://a/authorize', tokenUrl: 'https://a/token', clientId: 'x', pkce: false } })).rejects.toThrow(
      /oauth\.pkce must be true/,
    );
    await expect(async () =>
      server.app.catalog.createProvider({ name: 'Bad', baseUrl: 'https://api.example.com', authenticationType: 'BEARER_TOKEN', oauth: { clientId: 'x' } }),
    ).rejects.toThrow(/oauth is used only with authenticationType "OAUTH2"/);
    await expect(async () => server.app.catalog.credentials.setCredential('alice', 'cc', { apiKeyValue: 'x' })).rejects.toThrow(/is an OAuth 2 provider/);
  });
});
