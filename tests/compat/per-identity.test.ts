import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { leaked, startCompat, type CompatHarness } from './harness.js';

/**
 * The compatibility APIs per identity (SPEC §11): OpenHands' provider tokens sent with a client's token
 * become that client's own credentials (the shared provider untouched; the owner's still change it), and
 * Qoder vaults belong to the client that created them — another client's vault is answered exactly like
 * one that does not exist, and the owner sees all.
 */
const SHARED = 'compat-shared-canary-4a6c8e0b2d';
const OWNER_NEW = 'compat-owner-new-canary-7b9d1f3a5c';
const ALICE = 'compat-alice-canary-0e2a4c6f8b';
const BOB = 'compat-bob-canary-3c5e7a9b1d';
const ALICE_VAULT = 'compat-alice-vault-canary-6f8b0d2e4a';
const CANARIES = [SHARED, OWNER_NEW, ALICE, BOB, ALICE_VAULT];

let h: CompatHarness;
let upstream: Upstream;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  upstream = await startUpstream();
  h = await startCompat();
  const { catalog } = h.server.app;
  await catalog.createProvider({
    name: 'GitHub Enterprise',
    code: 'github',
    baseUrl: `${upstream.url}/api/v3`,
    authenticationType: 'BEARER_TOKEN',
    apiKeyValue: SHARED,
    credentialMode: 'per_user_or_shared',
  });
  await catalog.createTool({ name: 'Me', code: 'github-me', providerCode: 'github', endpointPath: '/user', httpMethod: 'GET' });
  for (const name of ['alice', 'bob', 'carol']) tokens[name] = (await catalog.clients.addClient({ name })).token;
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

const as = (name: string) => ({ authorization: `Bearer ${name === 'owner' ? h.server.token : tokens[name]}` });
const post = (who: string, body: unknown) => h.call('POST', '/api/add-git-providers', body, as(who));

async function callAs(who: string) {
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(h.server.url), { requestInit: { headers: as(who) } }));
  try {
    const result = await client.callTool({ name: 'github-me', arguments: {} });
    return { isError: result.isError === true, text: (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n') };
  } finally {
    await client.close();
  }
}

describe("POST /api/add-git-providers with a client's token", () => {
  it("stores each client's token as its own credential, leaving the shared provider as it was", async () => {
    const alice = await post('alice', { provider_tokens: { github: { token: ALICE, user_id: 'alice-gh', host: null } } });
    expect(alice.status, alice.text).toBe(200);
    expect(alice.json).toEqual({ message: 'Git providers stored', provider_tokens: ['github'] });
    // OpenHands' own header works for a client token too.
    const bob = await h.call('POST', '/api/add-git-providers', { provider_tokens: { github: { token: BOB } } }, { 'x-session-api-key': tokens.bob! });
    expect(bob.status, bob.text).toBe(200);

    expect((await callAs('alice')).isError).toBe(false);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${ALICE}`);
    expect((await callAs('bob')).isError).toBe(false);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${BOB}`);
    // carol has none: the shared one (per_user_or_shared), unchanged by the clients' requests.
    expect((await callAs('carol')).isError).toBe(false);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SHARED}`);
    const provider = await h.server.app.catalog.getProvider('github');
    expect(provider.apiKeyValue).toBe(SHARED);
    expect(provider.userId).toBeNull();
    expect((await h.server.app.catalog.credentials.listCredentials('alice')).map((c) => [c.provider, c.fields])).toEqual([['github', ['apiKeyValue']]]);
  });

  it("with the owner token changes the shared provider as before, and no client's own", async () => {
    const owner = await post('owner', { provider_tokens: { github: { token: OWNER_NEW } } });
    expect(owner.status, owner.text).toBe(200);
    expect((await callAs('carol')).isError).toBe(false);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${OWNER_NEW}`);
    expect((await callAs('alice')).isError).toBe(false);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${ALICE}`);
  });

  it('answers what a client may not change in OpenHands’ 422 shape, writing nothing', async () => {
    const moved = await post('carol', { provider_tokens: { github: { token: 'carol-x', host: 'elsewhere.example:443' } } });
    expect(moved.status).toBe(422);
    expect(moved.json.detail[0].loc).toEqual(['body', 'provider_tokens', 'github', 'host']);
    expect(moved.json.detail[0].msg).toMatch(/shared: a client's token cannot move it to another host/);
    const servers = await post('carol', {
      provider_tokens: { github: { token: 'carol-y' } },
      mcp_config: { shttp_servers: [{ url: 'http://127.0.0.1:9/mcp' }] },
    });
    expect(servers.status).toBe(422);
    expect(servers.json.detail[0].msg).toMatch(/only the owner token registers them/);
    const unknown = await post('carol', { provider_tokens: { nope: { token: 'carol-z' } } });
    expect(unknown.status).toBe(422);
    expect(unknown.json.detail[0].loc).toEqual(['body', 'provider_tokens', 'nope']);
    // A client scoped to other providers cannot tell this one exists.
    const scoped = (await h.server.app.catalog.clients.addClient({ name: 'scoped', providers: ['github'] })).token;
    await h.server.app.catalog.createProvider({ name: 'Hidden', code: 'hidden', baseUrl: upstream.url, authenticationType: 'BEARER_TOKEN' });
    const hidden = await h.call(
      'POST',
      '/api/add-git-providers',
      { provider_tokens: { hidden: { token: 'scoped-x' } } },
      { authorization: `Bearer ${scoped}` },
    );
    const none = await h.call('POST', '/api/add-git-providers', { provider_tokens: { hidden2: { token: 'scoped-x' } } }, { authorization: `Bearer ${scoped}` });
    expect(hidden.status).toBe(422);
    expect(hidden.json.detail[0].msg).toBe(none.json.detail[0].msg.replace('hidden2', 'hidden'));
    expect(await h.server.app.catalog.credentials.listCredentials('carol')).toEqual([]);
    const stranger = await h.call(
      'POST',
      '/api/add-git-providers',
      { provider_tokens: {} },
      { authorization: 'Bearer tw_unknown_token_000000000000000000000' },
    );
    expect(stranger.status).toBe(401);
  });
});

describe('Qoder vaults per client', () => {
  const credential = { mcp_server_url: 'https://mcp.example.com/mcp', protocol: 'streamable_http', type: 'static_bearer' };

  it('a client lists, reads, changes and deletes only its own vaults; the owner sees all', async () => {
    const mine = await h.call('POST', '/v1/vaults', { display_name: 'alice', credentials: [{ ...credential, access_token: ALICE_VAULT }] }, as('alice'));
    expect(mine.status, mine.text).toBe(201);
    const teams = await h.call('POST', '/api/v1/cloud/vaults', { display_name: 'team', credentials: [{ ...credential, access_token: 'team-t' }] }, as('owner'));
    expect(teams.status).toBe(201);
    const id = mine.json.id as string;

    expect((await h.call('GET', '/v1/vaults', undefined, as('alice'))).json.data.map((v: { id: string }) => v.id)).toEqual([id]);
    expect((await h.call('GET', '/v1/vaults', undefined, as('bob'))).json.data).toEqual([]);
    expect((await h.call('GET', '/v1/vaults', undefined, as('owner'))).json.data.map((v: { id: string }) => v.id)).toEqual([id, teams.json.id]);
    expect((await h.call('GET', `/v1/vaults/${id}`, undefined, as('alice'))).json.credentials).toHaveLength(1);

    // bob gets exactly what a vault that does not exist gets, on every route.
    const missing = 'vault_00000000000000000000000000000000';
    const routes: Array<[string, string, unknown?]> = [
      ['GET', ''],
      ['DELETE', ''],
      ['GET', '/credentials'],
      ['POST', '/credentials', { ...credential, access_token: 'bob-try' }],
      ['GET', `/credentials/${mine.json.credentials[0].id}`],
    ];
    for (const [method, rest, body] of routes) {
      const theirs = await h.call(method, `/v1/vaults/${id}${rest}`, body, as('bob'));
      const none = await h.call(method, `/v1/vaults/${missing}${rest.replace(mine.json.credentials[0].id, 'vcred_x')}`, body, as('bob'));
      expect(theirs.status, `${method} ${rest}`).toBe(404);
      expect(theirs.json.error.type).toBe(none.json.error.type);
      expect(theirs.json.error.message.replace(id, 'ID')).toBe(none.json.error.message.replace(missing, 'ID'));
    }
    expect((await h.call('GET', `/v1/vaults/${id}/credentials`, undefined, as('alice'))).json.data).toHaveLength(1);
    // The teams vault is the owner's: alice cannot delete it; the owner can delete alice's.
    expect((await h.call('DELETE', `/v1/vaults/${teams.json.id}`, undefined, as('alice'))).status).toBe(404);
    expect((await h.call('DELETE', `/v1/vaults/${id}`, undefined, as('owner'))).status).toBe(204);
    expect((await h.call('GET', '/v1/vaults', undefined, as('alice'))).json.data).toEqual([]);
  });

  it('removing a client removes its vaults', async () => {
    const made = await h.call('POST', '/v1/vaults', { display_name: 'bob', credentials: [{ ...credential, access_token: 'bob-t' }] }, as('bob'));
    expect(made.status).toBe(201);
    await h.server.app.catalog.clients.removeClient('bob');
    expect((await h.call('GET', `/v1/vaults/${made.json.id}`, undefined, as('owner'))).status).toBe(404);
  });

  it('keeps every token out of the answers, the logs and the database files and the export', async () => {
    const exported = await h.call('GET', '/admin/export');
    expect(exported.status).toBe(200);
    expect(leaked([...h.bodies, ...h.server.logLines, h.databaseBytes()], CANARIES)).toEqual([]);
  });
});
