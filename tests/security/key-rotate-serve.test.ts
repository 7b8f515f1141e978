import BetterSqlite3 from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parseMasterKey } from '../../src/core/master-key.js';
import { tempDir } from '../helpers/app.js';
import { runCliAsync, type CliResult } from '../helpers/cli.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectNone, fileText, keySpellings, newKey, opens } from './key-rotate.harness.js';

/**
 * SPEC §15: "re-encrypts every secret in one transaction while servers keep serving (they accept both
 * keys until restarted with the new one)". A real `serve --http` started with the old key, a real
 * `toolwire key rotate` as another process, a real MCP client and a node:http upstream that records
 * the credential it receives.
 */

const SECRETS = {
  alpha: 'canary-alpha-before-rotation-5a1f',
  alphaHeader: 'canary-alpha-header-77d0',
  beta: 'canary-beta-added-by-cli-after-9c3e',
  gamma: 'canary-gamma-added-by-server-after-2b68',
};

let upstream: Upstream;
const dir = tempDir();
const env = { TOOLWIRE_DB: join(dir, 'tw.db'), TOOLWIRE_LOG_LEVEL: 'debug' };
const keyFile = `${env.TOOLWIRE_DB}.key`;
const outputs: string[] = [];
const servers: RunningServer[] = [];
let oldKey: Buffer;
const key = newKey();

async function cli(args: string[], extra: Record<string, string> = {}, input = ''): Promise<CliResult> {
  const result = await runCliAsync(args, { ...env, ...extra }, input);
  outputs.push(result.stdout, result.stderr);
  return result;
}

async function serve(extra: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer([], { ...env, ...extra });
  servers.push(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  await server.stop();
  outputs.push(server.stdout(), server.stderr());
}

async function connect(server: RunningServer): Promise<Client> {
  const client = new Client({ name: 'key-rotate', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${server.token}` } } }));
  return client;
}

/** Calls a tool and returns the Authorization header the upstream received for it. */
async function credentialSent(client: Client, tool: string): Promise<string | undefined> {
  const before = upstream.requests.length;
  const result = await client.callTool({ name: tool, arguments: {} });
  expect(result.isError, JSON.stringify(result)).toBeFalsy();
  expect(upstream.requests.length).toBe(before + 1);
  return upstream.requests.at(-1)!.headers.authorization;
}

async function waitForTool(client: Client, name: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { tools } = await client.listTools();
    if (tools.some((t) => t.name === name)) return;
    if (Date.now() > deadline) throw new Error(`${name} never appeared: the server did not rebuild from the rotated database`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const provider = (code: string, secret: string, extra: Record<string, unknown> = {}) => ({
  name: code,
  code,
  baseUrl: upstream.url,
  authenticationType: 'BEARER_TOKEN',
  apiKeyLocation: 'HEADER',
  apiKeyName: 'Authorization',
  apiKeyValue: secret,
  ...extra,
});
const tool = (code: string) => ({ name: `${code} echo`, code: `${code}-echo`, providerCode: code, endpointPath: `/${code}`, httpMethod: 'GET' });

beforeAll(async () => {
  upstream = await startUpstream();
  expect(
    (await cli(['provider', 'add', '-'], {}, JSON.stringify(provider('alpha', SECRETS.alpha, { customHeaders: { 'X-Custom-Token': SECRETS.alphaHeader } }))))
      .code,
  ).toBe(0);
  expect((await cli(['tool', 'add', '-'], {}, JSON.stringify(tool('alpha')))).code).toBe(0);
  oldKey = parseMasterKey(readFileSync(keyFile, 'utf8')) as Buffer;
});

afterAll(async () => {
  for (const server of servers) await server.stop('SIGKILL');
  await upstream.close();
});

describe('key rotation while a server keeps serving', () => {
  it('a server started with the old key keeps calling with the right credentials after `key rotate`, reads what is sealed with the new key, and seals new secrets with it', async () => {
    const server = await serve();
    const client = await connect(server);
    expect(await credentialSent(client, 'alpha-echo')).toBe(`Bearer ${SECRETS.alpha}`);

    const rotated = await cli(['key', 'rotate'], { TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(parseMasterKey(readFileSync(keyFile, 'utf8'))!.equals(key)).toBe(true);

    // Another process (holding the new key now) adds a provider: the server notices the commit
    // (data_version), rebuilds its registry from the database (alpha is now sealed with the new key),
    // and serves both with the right credentials.
    expect((await cli(['provider', 'add', '-'], {}, JSON.stringify(provider('beta', SECRETS.beta)))).code).toBe(0);
    expect((await cli(['tool', 'add', '-'], {}, JSON.stringify(tool('beta')))).code).toBe(0);
    await waitForTool(client, 'beta-echo');
    expect(await credentialSent(client, 'alpha-echo')).toBe(`Bearer ${SECRETS.alpha}`);
    expect(upstream.requests.at(-1)!.headers['x-custom-token']).toBe(SECRETS.alphaHeader);
    expect(await credentialSent(client, 'beta-echo')).toBe(`Bearer ${SECRETS.beta}`);

    // The server itself writes a new secret (admin API): sealed with the NEW key, not the one it started with.
    const admin = server.url.replace(/\/mcp$/, '/admin');
    const auth = { Authorization: `Bearer ${server.token}` };
    expect((await fetchJson(`${admin}/providers`, 'POST', provider('gamma', SECRETS.gamma), auth)).status).toBe(201);
    expect((await fetchJson(`${admin}/tools`, 'POST', tool('gamma'), auth)).status).toBe(201);
    await waitForTool(client, 'gamma-echo');
    expect(await credentialSent(client, 'gamma-echo')).toBe(`Bearer ${SECRETS.gamma}`);
    const raw = new BetterSqlite3(env.TOOLWIRE_DB, { readonly: true });
    const sealed = raw.prepare(`SELECT api_key_value_enc FROM providers WHERE code = 'gamma'`).pluck().get() as string;
    raw.close();
    expect(opens(key, sealed)).toBe(true);
    expect(opens(oldKey, sealed)).toBe(false);

    await client.close();
    await stop(server);
  });

  it('restarted with the new key (the key file the rotation wrote), every credential still reaches the upstream', async () => {
    const server = await serve();
    const client = await connect(server);
    expect(await credentialSent(client, 'alpha-echo')).toBe(`Bearer ${SECRETS.alpha}`);
    expect(await credentialSent(client, 'beta-echo')).toBe(`Bearer ${SECRETS.beta}`);
    expect(await credentialSent(client, 'gamma-echo')).toBe(`Bearer ${SECRETS.gamma}`);
    await client.close();
    await stop(server);
    expect(server.stderr()).not.toContain('from before the last');
  });

  it('restarted with the OLD key: works with a warning until `key finish`, then is refused with a clear message', async () => {
    const withOld = { TOOLWIRE_SECRET_KEY: oldKey.toString('base64') };
    const server = await serve(withOld);
    expect(server.stderr()).toContain('TOOLWIRE_SECRET_KEY holds the master key from before the last `toolwire key rotate`');
    const client = await connect(server);
    expect(await credentialSent(client, 'gamma-echo')).toBe(`Bearer ${SECRETS.gamma}`);
    await client.close();
    await stop(server);

    const finished = await cli(['key', 'finish']);
    expect(finished.code, finished.stderr).toBe(0);

    let refusal = '';
    await serve(withOld).catch((err: Error) => (refusal = err.message));
    outputs.push(refusal);
    expect(refusal).toContain('The master key does not open the database');
    expect(refusal).toContain('TOOLWIRE_SECRET_KEY');
  });

  it('no key and no secret reached any output, log or the database files', () => {
    const forbidden = [...Object.values(SECRETS), ...keySpellings(oldKey), ...keySpellings(key)];
    expect(outputs.join('').length).toBeGreaterThan(0);
    expectNone(outputs.join('\n'), forbidden, 'CLI and server output');
    expectNone(fileText(env.TOOLWIRE_DB), forbidden, 'the database files');
  });
});
