import BetterSqlite3 from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCli, runCliAsync, type CliResult } from '../helpers/cli.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * Per-user credentials (SPEC §11, static kinds) on one `serve --http`: each client's call reaches the
 * API with that client's own key, a client without one gets an isError saying how to set it (nothing
 * sent), `per_user_or_shared` falls back to the provider's key, the owner always uses it, and no value
 * ever shows in an answer, a list, a log, an export or the database files.
 */
const MODERN = '2026-07-28';
const env = testEnv(tempDir(), { TOOLWIRE_LOG_LEVEL: 'debug' });
const SHARED_PU = 'shared-pu-canary-7f3a9c1e5b';
const SHARED_PUS = 'shared-pus-canary-2d8e4b6a0c';
const ALICE = 'alice-own-canary-91b7d3f5e2';
const ALICE_HEADER = 'alice-header-canary-4c6e8a0b2d';
const BOB = 'bob-own-canary-5a1c3e7f9b';
const BOB_PUS = 'bob-pus-canary-8e2a4c6d0f';
const DAVE = 'dave-own-canary-3b5d7f9a1c';
const OWN_SECRETS = [ALICE, ALICE_HEADER, BOB, BOB_PUS, DAVE];

let upstream: Upstream;
let server: RunningServer;
const tokens: Record<string, string> = {};
const outputs: CliResult[] = [];

function cli(args: string[], input?: string): CliResult {
  const result = runCli(args, env, input);
  outputs.push(result);
  return result;
}

function addClient(name: string): string {
  const added = cli(['client', 'add', name]);
  expect(added.code, added.stderr).toBe(0);
  return added.stdout.trim();
}

const owner = () => ({ authorization: `Bearer ${server.token}` });
const admin = (path: string) => `${server.url.replace(/\/mcp$/, '')}/admin${path}`;

beforeAll(async () => {
  upstream = await startUpstream();
  const provider = (fields: Record<string, unknown>) =>
    expect(cli(['provider', 'add', '-'], JSON.stringify({ baseUrl: upstream.url, ...fields })).code).toBe(0);
  const tool = (code: string, providerCode: string) =>
    expect(cli(['tool', 'add', '-'], JSON.stringify({ name: code, code, providerCode, endpointPath: `/${code}` })).code).toBe(0);
  provider({ name: 'Per user', code: 'pu', authenticationType: 'BEARER_TOKEN', apiKeyValue: SHARED_PU, credentialMode: 'per_user' });
  provider({
    name: 'Per user or shared',
    code: 'pus',
    authenticationType: 'API_KEY',
    apiKeyName: 'X-Api-Key',
    apiKeyValue: SHARED_PUS,
    credentialMode: 'per_user_or_shared',
  });
  provider({ name: 'Open', code: 'open' });
  tool('pu-echo', 'pu');
  tool('pus-echo', 'pus');
  tokens.alice = addClient('alice');
  tokens.bob = addClient('bob');
  tokens.carol = addClient('carol');
  const setAlice = cli(
    ['credential', 'set', '--client', 'alice', '--provider', 'pu'],
    JSON.stringify({ apiKeyValue: ALICE, customHeaders: { 'X-Tenant': ALICE_HEADER } }),
  );
  expect(setAlice.code, setAlice.stderr).toBe(0);
  expect(cli(['credential', 'set', '--client', 'bob', '--provider', 'pu'], JSON.stringify({ apiKeyValue: BOB })).code).toBe(0);
  server = await startServer([], env);
});

afterAll(async () => {
  await server?.stop();
  await upstream.close();
});

async function clientFor(token: string, mode: 'legacy' | { pin: string }) {
  const client = new Client({ name: 'per-user', version: '1' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

async function call(token: string, mode: 'legacy' | { pin: string }, name: string) {
  const client = await clientFor(token, mode);
  try {
    const result = await client.callTool({ name, arguments: {} });
    const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
    return { isError: result.isError === true, text };
  } finally {
    await client.close();
  }
}

const last = (path: string) => upstream.requests.filter((r) => r.path === path).at(-1);
const sent = (path: string) => upstream.requests.filter((r) => r.path === path).length;

describe.each<['legacy' | { pin: string }]>([['legacy'], [{ pin: MODERN }]])('a per_user provider (%s)', (mode) => {
  it("sends each caller's own credential, and masks it when the API echoes it back", async () => {
    const alice = await call(tokens.alice!, mode, 'pu-echo');
    expect(alice.isError).toBe(false);
    expect(last('/pu-echo')?.headers.authorization).toBe(`Bearer ${ALICE}`);
    expect(last('/pu-echo')?.headers['x-tenant']).toBe(ALICE_HEADER);
    // The echo carries the headers it got: alice's own secrets are masked in her result like a shared one.
    expect(alice.text).toContain('[REDACTED]');
    for (const secret of OWN_SECRETS) expect(alice.text).not.toContain(secret);

    const bob = await call(tokens.bob!, mode, 'pu-echo');
    expect(bob.isError).toBe(false);
    expect(last('/pu-echo')?.headers.authorization).toBe(`Bearer ${BOB}`);
    expect(last('/pu-echo')?.headers['x-tenant']).toBeUndefined();
    expect(bob.text).not.toContain(BOB);
  });

  it('answers a client without its own credential with an isError saying how to set it, and sends nothing', async () => {
    const before = sent('/pu-echo');
    const carol = await call(tokens.carol!, mode, 'pu-echo');
    expect(carol.isError).toBe(true);
    expect(carol.text).toContain('"pu"');
    expect(carol.text).toContain('toolwire credential set --client carol --provider pu');
    expect(carol.text).toContain('PUT /admin/clients/carol/credentials/pu');
    expect(sent('/pu-echo')).toBe(before);
  });

  it('lets the owner (TOOLWIRE_TOKEN) use the shared credential', async () => {
    const result = await call(server.token, mode, 'pu-echo');
    expect(result.isError).toBe(false);
    expect(last('/pu-echo')?.headers.authorization).toBe(`Bearer ${SHARED_PU}`);
    expect(result.text).not.toContain(SHARED_PU);
  });
});

describe('through the SDK handlers (TOOLWIRE_FAST_PATH=0)', () => {
  it("sends the caller's own credential and refuses a caller without one, as the fast path does", async () => {
    const sdkServer = await startServer([], { ...env, TOOLWIRE_FAST_PATH: '0' });
    const callVia = async (token: string, mode: 'legacy' | { pin: string }) => {
      const client = new Client({ name: 'sdk-path', version: '1' }, { versionNegotiation: { mode } });
      await client.connect(new StreamableHTTPClientTransport(new URL(sdkServer.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      try {
        return await client.callTool({ name: 'pu-echo', arguments: {} });
      } finally {
        await client.close();
      }
    };
    try {
      for (const mode of ['legacy', { pin: MODERN }] as const) {
        expect((await callVia(tokens.alice!, mode)).isError).toBeFalsy();
        expect(last('/pu-echo')?.headers.authorization).toBe(`Bearer ${ALICE}`);
        const before = sent('/pu-echo');
        const carol = await callVia(tokens.carol!, mode);
        expect(carol.isError).toBe(true);
        expect(JSON.stringify(carol.content)).toContain('toolwire credential set --client carol --provider pu');
        expect(sent('/pu-echo')).toBe(before);
        expect((await callVia(sdkServer.token, mode)).isError).toBeFalsy();
        expect(last('/pu-echo')?.headers.authorization).toBe(`Bearer ${SHARED_PU}`);
      }
    } finally {
      await sdkServer.stop();
    }
  });
});

describe('a per_user_or_shared provider', () => {
  it("uses the caller's own credential when it has one (set through the admin API while serving), else the shared one; removing it falls back", async () => {
    const put = await fetchJson(admin('/clients/bob/credentials/pus'), 'PUT', { apiKeyValue: BOB_PUS }, owner());
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ client: 'bob', provider: 'pus', fields: ['apiKeyValue'], credentialMode: 'per_user_or_shared' });
    expect(put.text).not.toContain(BOB_PUS);

    expect((await call(tokens.bob!, { pin: MODERN }, 'pus-echo')).isError).toBe(false);
    expect(last('/pus-echo')?.headers['x-api-key']).toBe(BOB_PUS);
    expect((await call(tokens.alice!, { pin: MODERN }, 'pus-echo')).isError).toBe(false);
    expect(last('/pus-echo')?.headers['x-api-key']).toBe(SHARED_PUS);
    expect((await call(server.token, 'legacy', 'pus-echo')).isError).toBe(false);
    expect(last('/pus-echo')?.headers['x-api-key']).toBe(SHARED_PUS);

    const removed = await fetchJson(admin('/clients/bob/credentials/pus'), 'DELETE', undefined, owner());
    expect(removed.status).toBe(204);
    expect((await call(tokens.bob!, 'legacy', 'pus-echo')).isError).toBe(false);
    expect(last('/pus-echo')?.headers['x-api-key']).toBe(SHARED_PUS);
  });
});

describe('credential lists and bad input', () => {
  it('lists provider codes and field names, never a value (CLI and admin API)', async () => {
    const listed = cli(['credential', 'list', '--client', 'alice', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      { provider: 'pu', credentialMode: 'per_user', fields: ['apiKeyValue', 'customHeaders.X-Tenant'], updatedAt: expect.any(String) },
    ]);
    const table = cli(['credential', 'list', '--client', 'alice']);
    expect(table.stdout).toMatch(/pu\s+per_user\s+apiKeyValue,customHeaders\.X-Tenant/);
    const got = await fetchJson(admin('/clients/alice/credentials'), 'GET', undefined, owner());
    expect(got.status).toBe(200);
    expect(got.json).toEqual(JSON.parse(listed.stdout));
    for (const secret of OWN_SECRETS) expect(`${listed.stdout}${table.stdout}${got.text}`).not.toContain(secret);
  });

  it('refuses an unknown client, an unknown provider and a field the provider does not use, naming it and the fix; nothing is written', async () => {
    const noClient = await fetchJson(admin('/clients/zed/credentials/pu'), 'PUT', { apiKeyValue: 'x-secret-1' }, owner());
    expect(noClient.status).toBe(404);
    expect(noClient.json.message).toMatch(/No client named "zed".*toolwire client list/);
    const noProvider = cli(['credential', 'set', '--client', 'alice', '--provider', 'nope'], JSON.stringify({ apiKeyValue: 'x-secret-2' }));
    expect(noProvider.code).not.toBe(0);
    expect(noProvider.stderr).toMatch(/No provider with code "nope".*toolwire provider list/);
    const payload = await fetchJson(admin('/clients/alice/credentials/pu'), 'PUT', { dynamicAuthPayload: { user: 'a', password: 'x-secret-3' } }, owner());
    expect(payload.status).toBe(400);
    expect(payload.json.message).toMatch(/dynamicAuthPayload is not used by provider "pu": it does not obtain tokens/);
    const unknownField = cli(['credential', 'set', '--client', 'alice', '--provider', 'pu'], JSON.stringify({ apiKey: 'x-secret-4' }));
    expect(unknownField.code).not.toBe(0);
    expect(unknownField.stderr).toMatch(/apiKey is not a secret field.*apiKeyValue/);
    const unused = cli(['credential', 'set', '--client', 'alice', '--provider', 'open'], JSON.stringify({ apiKeyValue: 'x-secret-5' }));
    expect(unused.code).not.toBe(0);
    expect(unused.stderr).toMatch(/apiKeyValue is not used by provider "open"/);
    const configHeader = cli(['credential', 'set', '--client', 'alice', '--provider', 'pu'], JSON.stringify({ customHeaders: { Accept: 'x-secret-6' } }));
    expect(configHeader.code).not.toBe(0);
    expect(configHeader.stderr).toMatch(/customHeaders\.Accept is a configuration header/);
    const notJson = cli(['credential', 'set', '--client', 'alice', '--provider', 'pu'], 'apiKeyValue=x');
    expect(notJson.code).not.toBe(0);
    expect(notJson.stderr).toMatch(/not JSON/);
    // alice's credential is as it was, and the refused values went nowhere.
    const listed = cli(['credential', 'list', '--client', 'alice', '--json']);
    expect(JSON.parse(listed.stdout)[0].fields).toEqual(['apiKeyValue', 'customHeaders.X-Tenant']);
    expect((await call(tokens.alice!, { pin: MODERN }, 'pu-echo')).isError).toBe(false);
    expect(last('/pu-echo')?.headers.authorization).toBe(`Bearer ${ALICE}`);
  });

  it('refuses per_user for a stdio MCP server (one process, one env for everyone)', () => {
    const mcp = cli(['provider', 'add', '-'], JSON.stringify({ name: 'M', code: 'm', kind: 'mcp', command: 'node', credentialMode: 'per_user' }));
    expect(mcp.code).not.toBe(0);
    expect(mcp.stderr).toMatch(/credentialMode "per_user" needs a key per client, which a stdio MCP server cannot take/);
  });
});

describe('what removing a client, exports, logs and the database files show', () => {
  it("removes a client's credentials with the client (a client added again under that name has none)", async () => {
    const rows = () => {
      const db = new BetterSqlite3(env.TOOLWIRE_DB!, { readonly: true });
      try {
        return (db.prepare('SELECT c.name FROM client_credentials cc LEFT JOIN clients c ON c.id = cc.client_id').all() as Array<{ name: string | null }>).map(
          (r) => r.name,
        );
      } finally {
        db.close();
      }
    };
    addClient('dave');
    expect(cli(['credential', 'set', '--client', 'dave', '--provider', 'pu'], JSON.stringify({ apiKeyValue: DAVE })).code).toBe(0);
    expect(JSON.parse(cli(['credential', 'list', '--client', 'dave', '--json']).stdout)).toHaveLength(1);
    expect(rows()).toContain('dave');
    const before = rows().length;
    expect(cli(['client', 'remove', 'dave']).code).toBe(0);
    expect(rows()).toHaveLength(before - 1); // the row went with the client: none is left orphaned
    expect(rows()).not.toContain(null);
    const gone = cli(['credential', 'list', '--client', 'dave']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/No client named "dave"/);
    addClient('dave');
    expect(JSON.parse(cli(['credential', 'list', '--client', 'dave', '--json']).stdout)).toEqual([]);
  });

  it('exports the credentialMode but no per-user credential', async () => {
    const exported = await runCliAsync(['export'], env);
    expect(exported.code, exported.stderr).toBe(0);
    const entries = JSON.parse(exported.stdout) as Array<{ code: string; credentialMode: string }>;
    expect(entries.find((e) => e.code === 'pu')?.credentialMode).toBe('per_user');
    expect(entries.find((e) => e.code === 'pus')?.credentialMode).toBe('per_user_or_shared');
    const adminExport = await fetchJson(admin('/export'), 'GET', undefined, owner());
    for (const secret of [...OWN_SECRETS, SHARED_PU, SHARED_PUS]) {
      expect(exported.stdout).not.toContain(secret);
      expect(adminExport.text).not.toContain(secret);
    }
  });

  it('keeps every per-user secret out of the database file, its WAL, the server log and every CLI output', async () => {
    for (const file of [env.TOOLWIRE_DB!, `${env.TOOLWIRE_DB}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      for (const secret of OWN_SECRETS) expect(bytes.includes(Buffer.from(secret)), `${secret} in ${file}`).toBe(false);
    }
    for (const secret of OWN_SECRETS) {
      expect(server.stderr()).not.toContain(secret);
      expect(server.stdout()).not.toContain(secret);
      for (const out of outputs) expect(`${out.stdout}${out.stderr}`).not.toContain(secret);
    }
  });
});
