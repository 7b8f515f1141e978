import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCli, runCliAsync, type CliResult } from '../helpers/cli.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { json, startTokenServer, type TokenServer } from '../dynamic-auth/token-server.js';

/**
 * Per-user dynamic-auth payloads (SPEC §11) on one `serve --http`: each client logs in with its own
 * payload, its token is fetched once however many of its calls arrive together and cached apart from
 * everyone else's, a refused token is replaced for that client alone, the owner keeps the shared login,
 * and no payload value or token shows in an answer (the API echoing them included), a list, a log, an
 * export or the database files.
 */
const MODERN = '2026-07-28';
const env = testEnv(tempDir(), { TOOLWIRE_LOG_LEVEL: 'debug' });
const SHARED_PW = 'shared-pw-canary-6c2e9a4f1d';
const ALICE_PW = 'alice-pw-canary-0f8b3d5a7e';
const BOB_PW = 'bob-pw-canary-9d1f7b3c5a';
const CANARIES = [SHARED_PW, ALICE_PW, BOB_PW];

let auth: TokenServer;
let upstream: Upstream;
let server: RunningServer;
const tokens: Record<string, string> = {};
const outputs: CliResult[] = [];
/** Every token the endpoint handed out: none may reach an answer. */
const issued: string[] = [];

function cli(args: string[], input?: string): CliResult {
  const result = runCli(args, env, input);
  outputs.push(result);
  return result;
}

const setCredential = (client: string, body: unknown) => cli(['credential', 'set', '--client', client, '--provider', 'login'], JSON.stringify(body));
const owner = () => ({ authorization: `Bearer ${server.token}` });
const admin = (path: string) => `${server.url.replace(/\/mcp$/, '')}/admin${path}`;

beforeAll(async () => {
  auth = await startTokenServer();
  // Tokens name the user they were issued to; answered a little later, so concurrent calls overlap the fetch.
  auth.reply((req, res) => {
    const user = (JSON.parse(req.body) as { username: string }).username;
    const token = `tok-${user}-${auth.requests.length}-canary`;
    issued.push(token);
    setTimeout(() => json(res, 200, { access_token: token }), 150);
  });
  upstream = await startUpstream();
  // The API echoes what it got, and (as some do) the password of the account it thinks is calling.
  upstream.handle((req, res) => {
    const bearer = String(req.headers.authorization ?? '');
    const login = bearer.includes('alice') ? ALICE_PW : bearer.includes('bob') ? BOB_PW : SHARED_PW;
    // Which account the token was issued for, without naming it (user names are payload values: masked).
    const who = { alice: '#1', bob: '#2', shared: '#0' }[/^Bearer tok-(\w+)-/.exec(bearer)?.[1] ?? ''] ?? '#?';
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers, login, who: `account ${who}` }));
  });
  const added = cli(
    ['provider', 'add', '-'],
    JSON.stringify({
      name: 'Login API',
      code: 'login',
      baseUrl: upstream.url,
      authenticationType: 'BEARER_TOKEN',
      isDynamicAuth: true,
      dynamicAuthUrl: `${auth.origin}/token`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthPayload: JSON.stringify({ grant_type: 'password', username: 'shared', password: SHARED_PW }),
      dynamicAuthTokenExtractionPath: '$.access_token',
      credentialMode: 'per_user',
    }),
  );
  expect(added.code, added.stderr).toBe(0);
  expect(cli(['tool', 'add', '-'], JSON.stringify({ name: 'me', code: 'me', providerCode: 'login', endpointPath: '/me' })).code).toBe(0);
  for (const name of ['alice', 'bob', 'carol']) tokens[name] = cli(['client', 'add', name]).stdout.trim();
  // An object, and its JSON string: both are taken.
  expect(setCredential('alice', { dynamicAuthPayload: { username: 'alice', password: ALICE_PW } }).code).toBe(0);
  expect(setCredential('bob', { dynamicAuthPayload: JSON.stringify({ username: 'bob', password: BOB_PW }) }).code).toBe(0);
  server = await startServer([], env);
});

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
  await auth?.close();
});

async function clientFor(token: string, mode: 'legacy' | { pin: string }) {
  const client = new Client({ name: 'per-user-dynamic', version: '1' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

async function calls(token: string, mode: 'legacy' | { pin: string }, count: number) {
  const client = await clientFor(token, mode);
  try {
    const results = await Promise.all(Array.from({ length: count }, () => client.callTool({ name: 'me', arguments: {} })));
    return results.map((r) => ({
      isError: r.isError === true,
      text: (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n'),
    }));
  } finally {
    await client.close();
  }
}

const fetchesFor = (user: string) => auth.requests.filter((r) => (JSON.parse(r.body) as { username: string }).username === user);

describe('a per_user dynamic-auth provider', () => {
  it("fetches one token per client under concurrent calls, with that client's payload, and sends each its own", async () => {
    const [alice, bob] = await Promise.all([calls(tokens.alice!, { pin: MODERN }, 5), calls(tokens.bob!, 'legacy', 5)]);
    expect(fetchesFor('alice')).toHaveLength(1);
    expect(fetchesFor('bob')).toHaveLength(1);
    expect(fetchesFor('shared')).toHaveLength(0);
    // The client's values over the provider's: grant_type stays the provider's.
    expect(JSON.parse(fetchesFor('alice')[0]!.body)).toEqual({ grant_type: 'password', username: 'alice', password: ALICE_PW });
    const bearers = upstream.requests.map((r) => r.headers.authorization);
    expect(bearers.filter((b) => b?.startsWith('Bearer tok-alice-'))).toHaveLength(5);
    expect(bearers.filter((b) => b?.startsWith('Bearer tok-bob-'))).toHaveLength(5);
    // Each call was answered for its own caller's account: no token crossed over.
    for (const result of alice) expect(result.text).toContain('account #1');
    for (const result of bob) expect(result.text).toContain('account #2');
    for (const result of [...alice, ...bob]) {
      expect(result.isError, result.text).toBe(false);
      expect(result.text).toContain('[REDACTED]');
      for (const secret of [...CANARIES, ...issued]) expect(result.text).not.toContain(secret);
    }
  });

  it('keeps the shared login for the owner', async () => {
    const [result] = await calls(server.token, { pin: MODERN }, 1);
    expect(result!.isError).toBe(false);
    expect(fetchesFor('shared')).toHaveLength(1);
    expect(upstream.requests.at(-1)?.headers.authorization).toMatch(/^Bearer tok-shared-/);
    for (const secret of [...CANARIES, ...issued]) expect(result!.text).not.toContain(secret);
  });

  it('answers a client without a payload of its own with the keys to set, and fetches and sends nothing', async () => {
    const before = { fetches: auth.requests.length, sent: upstream.requests.length };
    const [carol] = await calls(tokens.carol!, 'legacy', 1);
    expect(carol!.isError).toBe(true);
    expect(carol!.text).toContain('toolwire credential set --client carol --provider login');
    expect(carol!.text).toContain('{"dynamicAuthPayload": {"grant_type": "…", "username": "…", "password": "…"}}');
    expect({ fetches: auth.requests.length, sent: upstream.requests.length }).toEqual(before);
  });

  it("replaces a refused token for that client alone, once, and drops a removed credential's token", async () => {
    // Alice's next token is refused by the API: she gets a new one; bob keeps his.
    auth.reply((req, res) => {
      const user = (JSON.parse(req.body) as { username: string }).username;
      const token = `tok-${user}-${auth.requests.length}-canary`;
      issued.push(token);
      json(res, 200, { access_token: token });
    });
    const aliceBefore = fetchesFor('alice').length;
    const bobBefore = fetchesFor('bob').length;
    // The API no longer takes the token alice got first.
    const stale = issued.find((t) => t.startsWith('tok-alice-'));
    upstream.handle((req, res) => {
      if (req.headers.authorization === `Bearer ${stale}`) return void res.writeHead(401).end('{"error":"expired"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers }));
    });
    const [alice] = await calls(tokens.alice!, { pin: MODERN }, 1);
    expect(alice!.isError, alice!.text).toBe(false);
    expect(fetchesFor('alice').length).toBe(aliceBefore + 1);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${issued.at(-1)}`);
    expect(fetchesFor('bob').length).toBe(bobBefore);
    expect(alice!.text).not.toContain('tok-');
    const [bob] = await calls(tokens.bob!, 'legacy', 1);
    expect(bob!.isError).toBe(false);
    expect(fetchesFor('bob').length).toBe(bobBefore);

    // Removed: alice is asked for it again; set again: a fresh login, never the token from before.
    const removed = await fetchJson(admin('/clients/alice/credentials/login'), 'DELETE', undefined, owner());
    expect(removed.status).toBe(204);
    const [asked] = await calls(tokens.alice!, 'legacy', 1);
    expect(asked!.isError).toBe(true);
    const put = await fetchJson(admin('/clients/alice/credentials/login'), 'PUT', { dynamicAuthPayload: { username: 'alice', password: ALICE_PW } }, owner());
    expect(put.status).toBe(200);
    const fetched = fetchesFor('alice').length;
    const [again] = await calls(tokens.alice!, { pin: MODERN }, 1);
    expect(again!.isError).toBe(false);
    expect(fetchesFor('alice').length).toBe(fetched + 1);
  });

  it("refuses a payload with a key the provider's payload does not have, naming its keys, and lists names only", async () => {
    const refused = setCredential('carol', { dynamicAuthPayload: { user: 'carol', password: 'x' } });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/dynamicAuthPayload\.user is not a key of provider "login"'s payload; its keys are "grant_type", "username", "password"/);
    const notObject = setCredential('carol', { dynamicAuthPayload: '[1,2]' });
    expect(notObject.stderr).toMatch(/dynamicAuthPayload must be a non-empty JSON object/);
    const apiKey = setCredential('carol', { apiKeyValue: 'k' });
    expect(apiKey.stderr).toMatch(/apiKeyValue is not used by provider "login": it obtains its token from its dynamicAuthUrl/);
    const listed = cli(['credential', 'list', '--client', 'bob', '--json']);
    expect(JSON.parse(listed.stdout)[0].fields).toEqual(['dynamicAuthPayload.username', 'dynamicAuthPayload.password']);
    const viaAdmin = await fetchJson(admin('/clients/bob/credentials'), 'GET', undefined, owner());
    expect(viaAdmin.status).toBe(200);
    expect(viaAdmin.json[0].fields).toEqual(['dynamicAuthPayload.username', 'dynamicAuthPayload.password']);
    expect(viaAdmin.text).not.toContain(BOB_PW);
  });

  it('keeps every payload value and token out of the export, the logs and the database files', async () => {
    const exported = await runCliAsync(['export'], env);
    expect(exported.code, exported.stderr).toBe(0);
    for (const file of [env.TOOLWIRE_DB!, `${env.TOOLWIRE_DB}-wal`]) {
      const bytes = readFileSync(file);
      for (const secret of [ALICE_PW, BOB_PW]) expect(bytes.includes(Buffer.from(secret))).toBe(false);
    }
    for (const secret of [...CANARIES, ...issued]) {
      expect(exported.stdout).not.toContain(secret);
      expect(server.stderr()).not.toContain(secret);
      for (const out of outputs) expect(`${out.stdout}${out.stderr}`).not.toContain(secret);
    }
  });
});
