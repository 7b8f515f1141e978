import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { createRateLimiter, limitMessage } from '../../src/ops/rate-limits.js';
import { callTool, clientFor, MODES } from './harness.js';

/**
 * Rate limits (SPEC §12): `rateLimit: {"perMinute": N}` on a provider and a tool, `--rate N` on an identity.
 * The call over a limit is an isError naming the limit and when to retry, and nothing goes upstream.
 */
describe('the sliding window (an injected clock: no waiting)', () => {
  const limits =
    (tools: Record<string, number>, providers: Record<string, number> = {}, clients: Record<string, number> = {}) =>
    () => ({
      tools: new Map(Object.entries(tools)),
      providers: new Map(Object.entries(providers)),
      clients: new Map(Object.entries(clients)),
    });

  it('lets exactly N calls through in any 60 seconds, and says when the next one fits', () => {
    let now = 1_000_000;
    const limiter = createRateLimiter(limits({ t: 3 }), () => now);
    const admitted = (at: number) => {
      now = at;
      return limiter.admit('t', 'p', 'alice') === null;
    };
    expect([admitted(1_000_000), admitted(1_010_000), admitted(1_020_000)]).toEqual([true, true, true]);
    now = 1_030_000;
    const refusal = limiter.admit('t', 'p', 'alice');
    expect(refusal).toEqual({ kind: 'tool', name: 't', perMinute: 3, retryAfterMs: 30_000 });
    expect(limitMessage(refusal!)).toBe('Rate limit reached: tool "t" allows 3 call(s) a minute. Nothing was sent to the API. Retry in 30 second(s).');
    expect(admitted(1_059_999)).toBe(false); // the first call is still inside the window
    expect(admitted(1_060_000)).toBe(true); // …and just left it
    expect(admitted(1_060_001)).toBe(false);
    expect(admitted(1_070_000)).toBe(true);
  });

  it('counts a call against every limit it passes, and a refused call against none', () => {
    let now = 0;
    const limiter = createRateLimiter(limits({ a: 10, b: 10 }, { p: 2 }, { alice: 5 }), () => now);
    expect(limiter.admit('a', 'p', 'alice')).toBeNull();
    expect(limiter.admit('b', 'p', 'alice')).toBeNull();
    expect(limiter.admit('a', 'p', 'alice')).toMatchObject({ kind: 'provider', name: 'p', perMinute: 2 });
    // Another provider's tools are not held by p's limit; alice's limit counted only the two admitted calls.
    expect(limiter.admit('c', 'q', 'alice')).toBeNull();
    expect(limiter.admit('c', 'q', 'alice')).toBeNull();
    expect(limiter.admit('c', 'q', 'alice')).toBeNull();
    expect(limiter.admit('c', 'q', 'alice')).toMatchObject({ kind: 'client', name: 'alice', perMinute: 5 });
    expect(limiter.admit('c', 'q', 'bob')).toBeNull();
    now = 60_000;
    expect(limiter.admit('a', 'p', 'alice')).toBeNull();
  });

  it('follows a lowered limit at once', () => {
    let perMinute = 5;
    const limiter = createRateLimiter(
      () => ({ tools: new Map([['t', perMinute]]), providers: new Map(), clients: new Map() }),
      () => 0,
    );
    for (let i = 0; i < 4; i++) expect(limiter.admit('t', 'p', 'x')).toBeNull();
    perMinute = 2;
    expect(limiter.admit('t', 'p', 'x')).toMatchObject({ perMinute: 2, retryAfterMs: 60_000 });
  });
});

let upstream: Upstream;
let server: InProcessServer;
let env: Record<string, string>;

const owner = () => ({ authorization: `Bearer ${server.token}` });
const sentTo = (path: string) => upstream.requests.filter((r) => r.path === path).length;

beforeAll(async () => {
  upstream = await startUpstream();
  env = testEnv(tempDir());
  // Limits set through each route a user has: the admin API, the CLI, an import file.
  const byImport = runCli(
    ['import', '-'],
    env,
    JSON.stringify([{ name: 'Limited', code: 'lim', baseUrl: 'http://127.0.0.1:9', rateLimit: { perMinute: 4 }, tools: [] }]),
  );
  expect(byImport.code, byImport.stderr).toBe(0);
  const cli = runCli(['client', 'add', 'alice', '--rate', '2'], env);
  expect(cli.code, cli.stderr).toBe(0);
  server = await startInProcess(env);
  const moved = await fetchJson(
    `${server.base}/admin/providers/${(await server.app.catalog.getProvider('lim')).id}`,
    'PUT',
    { baseUrl: upstream.url },
    owner(),
  );
  expect(moved.status, moved.text).toBe(200);
  for (const [code, extra] of [
    ['lim-tool', { rateLimit: { perMinute: 2 } }],
    ['lim-a', {}],
    ['lim-b', {}],
    ['lim-free', {}],
  ] as const) {
    const created = await fetchJson(
      `${server.base}/admin/tools`,
      'POST',
      { name: code, code, providerCode: 'lim', endpointPath: `/${code}`, ...extra },
      owner(),
    );
    expect(created.status, created.text).toBe(201);
  }
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

describe.each(MODES)('over HTTP (%s)', (mode) => {
  it('refuses exactly the calls over a tool limit, naming it and when to retry, and sends nothing for them', async () => {
    const client = await clientFor(server.url, server.token, mode);
    try {
      const before = sentTo('/lim-tool');
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await callTool(client, 'lim-tool'));
      // The first mode's two calls used the limit up: the second mode is refused from its first call.
      const allowed = before === 0 ? 2 : 0;
      expect(results.map((r) => r.isError)).toEqual([false, false, true, true].map((refused, i) => (allowed === 0 ? true : refused && i >= allowed)));
      expect(sentTo('/lim-tool')).toBe(before + allowed);
      expect(results[3]!.text).toMatch(
        /^Rate limit reached: tool "lim-tool" allows 2 call\(s\) a minute\. Nothing was sent to the API\. Retry in \d+ second\(s\)\.$/,
      );
    } finally {
      await client.close();
    }
  });
});

it('holds a provider limit across its tools (set by import)', async () => {
  const client = await clientFor(server.url, server.token, 'legacy');
  try {
    const before = upstream.requests.length;
    // lim allows 4 a minute; lim-tool's 2 admitted calls already counted against it.
    expect((await callTool(client, 'lim-a')).isError).toBe(false);
    expect((await callTool(client, 'lim-b')).isError).toBe(false);
    const refused = await callTool(client, 'lim-free');
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('provider "lim" allows 4 call(s) a minute');
    expect(upstream.requests.length).toBe(before + 2);
  } finally {
    await client.close();
  }
});

it('holds an identity limit (client add --rate), changeable through the admin API, and shows it', async () => {
  const other = await startInProcess(testEnv(tempDir()));
  try {
    await other.app.catalog.createProvider({ name: 'Free', code: 'free', baseUrl: upstream.url });
    await other.app.catalog.createTool({ name: 'go', code: 'free-go', providerCode: 'free', endpointPath: '/free-go' });
    const created = await fetchJson(
      `${other.base}/admin/clients`,
      'POST',
      { name: 'bob', rateLimit: { perMinute: 1 } },
      { authorization: `Bearer ${other.token}` },
    );
    expect(created.status, created.text).toBe(201);
    expect(created.json.rateLimit).toEqual({ perMinute: 1 });
    const bob = await clientFor(other.url, created.json.token, 'legacy');
    try {
      expect((await callTool(bob, 'free-go')).isError).toBe(false);
      const refused = await callTool(bob, 'free-go');
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('client "bob" allows 1 call(s) a minute');
      const raised = await fetchJson(`${other.base}/admin/clients/bob`, 'PUT', { rateLimit: { perMinute: 3 } }, { authorization: `Bearer ${other.token}` });
      expect(raised.status, raised.text).toBe(200);
      expect(raised.json.rateLimit).toEqual({ perMinute: 3 });
      expect((await callTool(bob, 'free-go')).isError).toBe(false);
      // The owner is not bob: its calls are not held by bob's limit.
      const ownerClient = await clientFor(other.url, other.token, 'legacy');
      try {
        for (let i = 0; i < 4; i++) expect((await callTool(ownerClient, 'free-go')).isError).toBe(false);
      } finally {
        await ownerClient.close();
      }
    } finally {
      await bob.close();
    }
    const bad = await fetchJson(`${other.base}/admin/clients/bob`, 'PUT', { rateLimit: { perMinute: -1 } }, { authorization: `Bearer ${other.token}` });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('perMinute');
  } finally {
    await other.close();
  }
  // alice was made by the CLI with --rate 2.
  const listed = runCli(['client', 'list'], env);
  expect(listed.stdout).toMatch(/alice .* 2\/min/);
});

it('is validated, exported and shown like the other fields', async () => {
  const bad = await fetchJson(
    `${server.base}/admin/tools`,
    'POST',
    { name: 'x', code: 'x', providerCode: 'lim', endpointPath: '/x', rateLimit: { perMinute: 1.5 } },
    owner(),
  );
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('rateLimit');
  const shown = await fetchJson(`${server.base}/admin/providers/${(await server.app.catalog.getProvider('lim')).id}`, 'GET', undefined, owner());
  expect(shown.json.rateLimit).toEqual({ perMinute: 4 });
  const exported = runCli(['export'], env);
  const entry = JSON.parse(exported.stdout).find((p: { code: string }) => p.code === 'lim');
  expect(entry.rateLimit).toEqual({ perMinute: 4 });
  expect(entry.tools.find((t: { code: string }) => t.code === 'lim-tool').rateLimit).toEqual({ perMinute: 2 });
  const removed = await fetchJson(
    `${server.base}/admin/providers/${(await server.app.catalog.getProvider('lim')).id}`,
    'PUT',
    { rateLimit: { perMinute: 0 } },
    owner(),
  );
  expect(removed.json.rateLimit).toBeNull();
  const usage = runCli(['client', 'add', 'eve', '--rate', 'fast'], env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('--rate');
});
