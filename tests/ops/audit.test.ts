import BetterSqlite3 from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { callTool, clientFor, MODES, outcomes } from './harness.js';

/**
 * The audit log (SPEC §12): every tool call with its identity, outcome, status, duration and bytes; every
 * admin change with who made it and on what, never a secret; arguments only with TOOLWIRE_AUDIT_ARGS=1;
 * read back through GET /admin/audit (filters, cursor pages) and `toolwire audit`.
 */
const ARG_CANARY = 'argument-canary-5d1f9b3e7a';
const SECRET_CANARY = 'provider-secret-canary-0c8e2a6f4b';

let upstream: Upstream;
let server: InProcessServer;
const held: ServerResponse[] = [];
let env: Record<string, string>;
let alice = '';

const owner = () => ({ authorization: `Bearer ${server.token}` });
const admin = (path: string, token = server.token) => fetchJson(`${server.base}/admin${path}`, 'GET', undefined, { authorization: `Bearer ${token}` });

/** Every entry matching the query, following the cursor to the end. */
/** An entry as the API answers it, read by field. */
// biome-ignore lint/suspicious/noExplicitAny: answers are read by field, as fetchJson types them
type Entry = Record<string, any>;

async function allEntries(query: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  do {
    const page = await admin(`/audit?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(page.status, page.text).toBe(200);
    entries.push(...page.json.entries);
    cursor = page.json.nextCursor;
  } while (cursor);
  return entries;
}

beforeAll(async () => {
  upstream = await startUpstream(outcomes(held));
  env = testEnv(tempDir(), { TOOLWIRE_TIMEOUT_MS: '400' });
  server = await startInProcess(env);
  const { catalog } = server.app;
  await catalog.createProvider({ name: 'Audited', code: 'aud', baseUrl: upstream.url, authenticationType: 'BEARER_TOKEN', apiKeyValue: SECRET_CANARY });
  for (const path of ['ok', 'missing', 'broken', 'slow'])
    await catalog.createTool({ name: path, code: `aud-${path}`, providerCode: 'aud', endpointPath: `/${path}` });
  await catalog.createTool({
    name: 'post',
    code: 'aud-post',
    providerCode: 'aud',
    endpointPath: '/post',
    httpMethod: 'POST',
    parameters: [
      { name: 'note', type: 'STRING', required: true, location: 'BODY' },
      { name: 'apiKey', type: 'STRING', required: false, location: 'BODY' },
    ],
  });
  await catalog.createTool({ name: 'limited', code: 'aud-limited', providerCode: 'aud', endpointPath: '/ok', rateLimit: { perMinute: 1 } });
  alice = (await catalog.clients.addClient({ name: 'alice' })).token;
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await server?.close();
  await upstream?.close();
});

describe.each(MODES)('tool calls (%s)', (mode) => {
  it('records each outcome with the identity, status, duration and bytes', async () => {
    const before = (await allEntries('tool=aud-ok&limit=1000')).length;
    const client = await clientFor(server.url, alice, mode);
    const ownerClient = await clientFor(server.url, server.token, mode);
    try {
      expect((await callTool(client, 'aud-ok')).isError).toBe(false);
      expect((await callTool(client, 'aud-missing')).isError).toBe(true);
      expect((await callTool(client, 'aud-broken')).isError).toBe(true);
      expect((await callTool(client, 'aud-slow')).isError).toBe(true);
      expect((await callTool(client, 'aud-post', {})).isError).toBe(true); // `note` missing: refused, nothing sent
      expect((await callTool(client, 'aud-post', { note: ARG_CANARY })).isError).toBe(false);
      expect((await callTool(ownerClient, 'aud-ok')).isError).toBe(false);
    } finally {
      await client.close();
      await ownerClient.close();
    }
    await server.app.ops.audit!.flush();
    const calls = (await allEntries('client=alice&limit=3')).filter((e) => e.kind === 'call');
    const latest = (tool: string) => calls.find((e) => e.tool === tool);
    expect(latest('aud-ok')).toMatchObject({ actor: 'alice', provider: 'aud', outcome: 'ok', status: 200, bytesIn: '{"fine":true}'.length, bytesOut: 0 });
    expect(latest('aud-missing')).toMatchObject({ outcome: 'tool_error', status: 404 });
    expect(latest('aud-broken')).toMatchObject({ outcome: 'upstream_error', status: 500 });
    expect(latest('aud-slow')).toMatchObject({ outcome: 'timeout', status: null });
    const posts = calls.filter((e) => e.tool === 'aud-post');
    expect(posts[0]).toMatchObject({ outcome: 'ok', status: 200, bytesOut: JSON.stringify({ note: ARG_CANARY }).length, arguments: null });
    expect(posts[1]).toMatchObject({ outcome: 'refused', status: null, bytesOut: 0 });
    for (const entry of calls) {
      expect(entry.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(entry.at)).not.toBeNaN();
    }
    // The owner's call is the owner's, and counts under its tool.
    const okCalls = await allEntries('tool=aud-ok&limit=1000');
    expect(okCalls.length).toBe(before + 2);
    expect(okCalls[0]).toMatchObject({ actor: 'owner', outcome: 'ok' });
  });
});

it('records a call over a rate limit as rate_limited (nothing sent)', async () => {
  const client = await clientFor(server.url, server.token, 'legacy');
  try {
    const sentBefore = upstream.requests.length;
    const first = await callTool(client, 'aud-limited');
    const second = await callTool(client, 'aud-limited');
    expect(first.isError).toBe(false);
    expect(second.isError).toBe(true);
    expect(upstream.requests.length).toBe(sentBefore + 1);
  } finally {
    await client.close();
  }
  await server.app.ops.audit!.flush();
  const entries = await allEntries('tool=aud-limited');
  expect(entries.map((e) => e.outcome)).toEqual(['rate_limited', 'ok']);
});

it('never stores arguments by default: the canary is in no entry and nowhere in the database files', async () => {
  await server.app.ops.audit!.flush();
  const db = env.TOOLWIRE_DB as string;
  for (const file of [db, `${db}-wal`]) if (existsSync(file)) expect(readFileSync(file).includes(ARG_CANARY)).toBe(false);
  const sqlite = new BetterSqlite3(db, { readonly: true });
  try {
    expect(sqlite.prepare('SELECT count(*) AS n FROM audit_log WHERE arguments IS NOT NULL').get()).toEqual({ n: 0 });
  } finally {
    sqlite.close();
  }
});

describe('admin changes', () => {
  it('records who changed what, on which object, for the admin API, the CLI and an import, with no secret', async () => {
    const created = await fetchJson(
      `${server.base}/admin/providers`,
      'POST',
      { name: 'By API', code: 'byapi', baseUrl: upstream.url, apiKeyValue: SECRET_CANARY },
      owner(),
    );
    expect(created.status, created.text).toBe(201);
    const adminClient = (await server.app.catalog.clients.addClient({ name: 'ops-admin', admin: true })).token;
    const byClient = await fetchJson(`${server.base}/admin/clients`, 'POST', { name: 'carol' }, { authorization: `Bearer ${adminClient}` });
    expect(byClient.status, byClient.text).toBe(201);
    const updated = await fetchJson(`${server.base}/admin/providers/${created.json.id}`, 'PUT', { apiKeyValue: `${SECRET_CANARY}-2` }, owner());
    expect(updated.status, updated.text).toBe(200);
    const cli = runCli(['client', 'add', 'dave', '--rate', '5'], env);
    expect(cli.code, cli.stderr).toBe(0);
    const imported = runCli(['import', '-'], env, JSON.stringify([{ name: 'Imported', code: 'imp', baseUrl: upstream.url, tools: [] }]));
    expect(imported.code, imported.stderr).toBe(0);

    const changes = (await allEntries('limit=1000')).filter((e) => e.kind === 'change');
    const find = (action: string, object: string) => changes.find((e) => e.action === action && e.object === object);
    expect(find('provider.create', 'provider:byapi')).toMatchObject({ actor: 'owner' });
    expect(find('client.add', 'client:carol')).toMatchObject({ actor: 'ops-admin' });
    expect(find('provider.update', 'provider:byapi')).toMatchObject({ actor: 'owner', detail: 'fields: apiKeyValue' });
    expect(find('client.add', 'client:dave')).toMatchObject({ actor: 'cli' });
    expect(find('import', 'entries:1')).toMatchObject({ actor: 'cli' });
    expect(find('tool.create', 'tool:aud-ok')).toMatchObject({ actor: 'cli' });
    expect(JSON.stringify(changes)).not.toContain(SECRET_CANARY);
    // A write refused as a whole records nothing.
    const refused = await fetchJson(`${server.base}/admin/clients`, 'POST', { name: 'carol' }, owner());
    expect(refused.status).toBe(409);
    expect((await allEntries('limit=1000')).filter((e) => e.kind === 'change' && e.object === 'client:carol')).toHaveLength(1);
  });
});

describe('reading the log', () => {
  it('filters by client, tool and time, and pages newest first with an opaque cursor', async () => {
    const everything = await allEntries('limit=1000');
    const paged = await allEntries('limit=2');
    expect(paged.map((e) => e.id)).toEqual(everything.map((e) => e.id));
    expect([...everything.map((e) => e.id)].sort((a, b) => b - a)).toEqual(everything.map((e) => e.id));
    for (const e of await allEntries('client=alice')) expect(e.actor).toBe('alice');
    for (const e of await allEntries('tool=aud-missing')) expect(e.tool).toBe('aud-missing');
    expect(await allEntries(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect((await allEntries('since=2000-01-01')).length).toBe(everything.length);
  });

  it('refuses a bad filter with a 400 naming it', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['since=yesterday', 'since'],
      ['cursor=nope', 'cursor'],
    ]) {
      const answer = await admin(`/audit?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.text).toContain(field);
    }
  });

  it('is the owner’s to read: a client without admin rights gets 403', async () => {
    expect((await admin('/audit', alice)).status).toBe(403);
  });

  it('is shown by `toolwire audit` with the same filters (table and --json)', () => {
    const json = runCli(['audit', '--client', 'alice', '--tool', 'aud-ok', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page.entries.length).toBeGreaterThan(0);
    for (const e of page.entries) expect(e).toMatchObject({ actor: 'alice', tool: 'aud-ok' });
    const text = runCli(['audit', '--limit', '1'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('TIME');
    expect(text.stderr).toContain('--cursor');
    const bad = runCli(['audit', '--since', 'soon'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('since');
  });
});

describe('TOOLWIRE_AUDIT_ARGS=1', () => {
  it('records the arguments, with values under secret-looking names masked', async () => {
    const argsEnv = testEnv(tempDir(), { TOOLWIRE_AUDIT_ARGS: '1' });
    const withArgs = await startInProcess(argsEnv);
    try {
      await withArgs.app.catalog.createProvider({ name: 'A', code: 'a', baseUrl: upstream.url });
      await withArgs.app.catalog.createTool({
        name: 'post',
        code: 'a-post',
        providerCode: 'a',
        endpointPath: '/post',
        httpMethod: 'POST',
        parameters: [
          { name: 'note', type: 'STRING', required: true, location: 'BODY' },
          { name: 'apiKey', type: 'STRING', required: false, location: 'BODY' },
        ],
      });
      const client = await clientFor(withArgs.url, withArgs.token, 'legacy');
      try {
        expect((await callTool(client, 'a-post', { note: 'hello', apiKey: SECRET_CANARY })).isError).toBe(false);
      } finally {
        await client.close();
      }
      await withArgs.app.ops.audit!.flush();
      const page = await fetchJson(`${withArgs.base}/admin/audit`, 'GET', undefined, { authorization: `Bearer ${withArgs.token}` });
      const entry = page.json.entries.find((e: Entry) => e.kind === 'call');
      expect(JSON.parse(entry.arguments)).toEqual({ note: 'hello', apiKey: '[REDACTED]' });
      expect(page.text).not.toContain(SECRET_CANARY);
    } finally {
      await withArgs.close();
    }
  });
});
