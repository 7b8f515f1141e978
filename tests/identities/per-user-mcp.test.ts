import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startFederation, type Federation } from '../../src/outbound/federation/index.js';
import { startMcpUpstream, type McpUpstream } from '../federation/upstream-mcp.js';
import { FAST, POLL } from '../federation/harness.js';
import { leaked, startCompat, type CompatHarness } from '../compat/harness.js';

/**
 * Per-user keys for upstream MCP servers (SPEC §11) on one HTTP server: the tool list comes from the
 * provider's own connection, a client with its own `api_key` — or its own Qoder vault credential for the
 * server — is forwarded through a connection opened with that key, a `per_user` caller without one is told
 * how to set it, the owner keeps the shared key, and no key shows in an answer (the upstream echoing it),
 * a log or the database files.
 */
const SHARED = 'mcp-shared-canary-3e5a7c9b1d';
const ALICE = 'mcp-alice-canary-8f0b2d4e6a';
const ALICE_NEW = 'mcp-alice-new-canary-1c3e5f7a9b';
const BOB = 'mcp-bob-canary-6d8f0a2c4e';
const DAVE_VAULT = 'mcp-dave-vault-canary-5b7d9f1a3c';
const OWNER_VAULT = 'mcp-owner-vault-canary-2a4c6e8b0d';
const KEYS = [SHARED, ALICE, ALICE_NEW, BOB, DAVE_VAULT, OWNER_VAULT];

let upstream: McpUpstream;
let vaultUpstream: McpUpstream;
let h: CompatHarness;
let federation: Federation;
const tokens: Record<string, string> = {};
const MODERN = '2026-07-28';

beforeAll(async () => {
  upstream = await startMcpUpstream([SHARED, ALICE, ALICE_NEW, BOB]);
  vaultUpstream = await startMcpUpstream([OWNER_VAULT, DAVE_VAULT]);
  h = await startCompat();
  const { catalog } = h.server.app;
  await catalog.createProvider({ name: 'Per user MCP', code: 'pum', kind: 'mcp', url: upstream.url, apiKeyValue: SHARED, credentialMode: 'per_user' });
  // No key of its own: the owner's vault gives the shared one; a client's own vault its own.
  await catalog.createProvider({ name: 'Vault MCP', code: 'vm', kind: 'mcp', url: vaultUpstream.url });
  for (const name of ['alice', 'bob', 'carol', 'dave']) tokens[name] = (await catalog.clients.addClient({ name })).token;
  await catalog.credentials.setCredential('alice', 'pum', { api_key: ALICE });
  await catalog.credentials.setCredential('bob', 'pum', { apiKeyValue: BOB });
  expect((await catalog.credentials.listCredentials('bob')).map((c) => c.fields)).toEqual([['api_key']]);
  // No health pings during the test: the last key the upstream saw is the last call's.
  federation = await startFederation(h.server.app, { ...FAST, healthIntervalMs: 600_000 });
});

afterAll(async () => {
  await h?.close();
  await upstream?.stop();
  await vaultUpstream?.stop();
});

async function clientFor(token: string, mode: 'legacy' | { pin: string } = { pin: MODERN }) {
  const client = new Client({ name: 'per-user-mcp', version: '1' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(h.server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

async function echo(token: string, tool = 'pum__echo_auth', mode: 'legacy' | { pin: string } = { pin: MODERN }) {
  const client = await clientFor(token, mode);
  try {
    const result = await client.callTool({ name: tool, arguments: { note: 'hi' } });
    return { isError: result.isError === true, text: (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n') };
  } finally {
    await client.close();
  }
}

/** The key the upstream saw on the last request that carried one of `keys`. */
const lastOf = (server: McpUpstream, keys: string[]) => [...server.authorizations].reverse().find((a) => keys.some((k) => a === `Bearer ${k}`));

describe('an upstream MCP server with per-user keys', () => {
  it('lists the tools through the shared connection', async () => {
    const owner = await clientFor(h.server.token);
    await expect.poll(async () => (await owner.listTools()).tools.map((t) => t.name), POLL).toContain('pum__echo_auth');
    await owner.close();
  });

  it.each<['legacy' | { pin: string }]>([['legacy'], [{ pin: MODERN }]])(
    "forwards each client's call with its own key, masked in the echo (%s)",
    async (mode) => {
      const alice = await echo(tokens.alice!, 'pum__echo_auth', mode);
      expect(alice.isError, alice.text).toBe(false);
      expect(lastOf(upstream, KEYS)).toBe(`Bearer ${ALICE}`);
      expect(alice.text).toContain('you sent Bearer [REDACTED]');
      const bob = await echo(tokens.bob!, 'pum__echo_auth', mode);
      expect(bob.isError, bob.text).toBe(false);
      expect(lastOf(upstream, KEYS)).toBe(`Bearer ${BOB}`);
      const owner = await echo(h.server.token, 'pum__echo_auth', mode);
      expect(owner.isError, owner.text).toBe(false);
      expect(lastOf(upstream, KEYS)).toBe(`Bearer ${SHARED}`);
      for (const text of [alice.text, bob.text, owner.text]) expect(leaked([text], KEYS)).toEqual([]);
    },
  );

  it('reuses one connection per client, however many calls it makes at once', async () => {
    const client = await clientFor(tokens.alice!);
    const before = federation.userConnectionCount();
    const results = await Promise.all(Array.from({ length: 4 }, () => client.callTool({ name: 'pum__echo_auth', arguments: {} })));
    await client.close();
    for (const r of results) expect(r.isError).not.toBe(true);
    expect(federation.userConnectionCount()).toBe(before);
  });

  it('tells a per_user caller without a key how to set it, and opens nothing for it', async () => {
    const before = federation.userConnectionCount();
    const carol = await echo(tokens.carol!);
    expect(carol.isError).toBe(true);
    expect(carol.text).toContain('toolwire credential set --client carol --provider pum');
    expect(carol.text).toContain('{"api_key": "…"}');
    expect(federation.userConnectionCount()).toBe(before);
  });

  it("opens a new connection with a client's new key, and closes it when the credential goes", async () => {
    const { credentials } = h.server.app.catalog;
    await credentials.setCredential('alice', 'pum', { api_key: ALICE_NEW });
    const alice = await echo(tokens.alice!);
    expect(alice.isError, alice.text).toBe(false);
    expect(lastOf(upstream, KEYS)).toBe(`Bearer ${ALICE_NEW}`);
    expect(leaked([alice.text], KEYS)).toEqual([]);
    const open = federation.userConnectionCount();
    await credentials.removeCredential('alice', 'pum');
    h.server.app.registry.current(); // the write's rebuild: the sweep follows it
    await expect.poll(() => federation.userConnectionCount(), POLL).toBe(open - 1);
    expect((await echo(tokens.alice!)).isError).toBe(true);
  });

  it("uses a client's own Qoder vault credential for the server, and the owner's vault for everyone else", async () => {
    const server = { mcp_server_url: vaultUpstream.url, protocol: 'streamable_http', type: 'static_bearer' };
    const shared = await h.call('POST', '/v1/vaults', { display_name: 'team', credentials: [{ ...server, access_token: OWNER_VAULT }] });
    expect(shared.status, shared.text).toBe(201);
    const daves = await h.call(
      'POST',
      '/v1/vaults',
      { display_name: 'dave', credentials: [{ ...server, access_token: DAVE_VAULT }] },
      { authorization: `Bearer ${tokens.dave}` },
    );
    expect(daves.status, daves.text).toBe(201);
    // The owner's vault makes the shared connection; wait for it to be the one the upstream sees.
    await expect
      .poll(async () => (await echo(h.server.token, 'vm__echo_auth')).isError === false && lastOf(vaultUpstream, KEYS), POLL)
      .toBe(`Bearer ${OWNER_VAULT}`);
    const dave = await echo(tokens.dave!, 'vm__echo_auth');
    expect(dave.isError, dave.text).toBe(false);
    expect(lastOf(vaultUpstream, KEYS)).toBe(`Bearer ${DAVE_VAULT}`);
    const bob = await echo(tokens.bob!, 'vm__echo_auth');
    expect(bob.isError, bob.text).toBe(false);
    expect(lastOf(vaultUpstream, KEYS)).toBe(`Bearer ${OWNER_VAULT}`);
    expect(leaked([dave.text, bob.text], KEYS)).toEqual([]);
  });

  it('keeps every key out of the logs and the database files and the export', async () => {
    const exported = await h.call('GET', '/admin/export');
    expect(exported.status).toBe(200);
    expect(leaked([...h.bodies, ...h.server.logLines, h.databaseBytes()], KEYS)).toEqual([]);
  });
});
