import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { callTool, clientFor, outcomes } from './harness.js';

/**
 * GET /metrics (SPEC §12): Prometheus text, read back here with a small parser and checked against the
 * calls made — by tool, provider and outcome, the duration histogram, upstream statuses, token fetches,
 * rate-limit refusals, open sessions and listen streams, the registry size.
 */
type Sample = { name: string; labels: Record<string, string>; value: number };

/** The exposition format's sample lines (`name{a="b",…} value`); comments skipped. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(match, line).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key as string] = value as string;
    samples.push({ name: match![1] as string, labels, value: Number(match![3]) });
  }
  return samples;
}

const held: ServerResponse[] = [];
let upstream: Upstream;
let auth: Upstream;
let server: InProcessServer;

async function scrape(token: string | null = server.token): Promise<Sample[]> {
  const answer = await fetchJson(`${server.base}/metrics`, 'GET', undefined, token ? { authorization: `Bearer ${token}` } : {});
  expect(answer.status, answer.text).toBe(200);
  expect(answer.headers.get('content-type')).toContain('text/plain');
  return parse(answer.text);
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

beforeAll(async () => {
  upstream = await startUpstream(outcomes(held));
  auth = await startUpstream((req, res) => {
    if (req.path === '/bad-login') return void res.writeHead(500).end('down');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-1234567890abcdef', expires_in: 3600 }));
  });
  server = await startInProcess(testEnv(tempDir(), { TOOLWIRE_TIMEOUT_MS: '400' }));
  const { catalog } = server.app;
  await catalog.createProvider({ name: 'M', code: 'm', baseUrl: upstream.url });
  for (const path of ['ok', 'missing', 'broken']) await catalog.createTool({ name: path, code: `m-${path}`, providerCode: 'm', endpointPath: `/${path}` });
  await catalog.createTool({ name: 'limited', code: 'm-limited', providerCode: 'm', endpointPath: '/ok', rateLimit: { perMinute: 1 } });
  const dynamic = async (code: string, login: string) => {
    await catalog.createProvider({
      name: code,
      code,
      baseUrl: upstream.url,
      authenticationType: 'BEARER_TOKEN',
      isDynamicAuth: true,
      dynamicAuthUrl: `${auth.url}${login}`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthPayload: '{"user":"me"}',
      dynamicAuthTokenExtractionPath: '$.token',
    });
    await catalog.createTool({ name: `${code}-ok`, code: `${code}-ok`, providerCode: code, endpointPath: '/ok' });
  };
  await dynamic('dyn', '/login');
  await dynamic('dynbad', '/bad-login');
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await server?.close();
  await upstream?.close();
  await auth?.close();
});

describe('GET /metrics', () => {
  it('needs the owner token (a client identity is refused), unless TOOLWIRE_METRICS_PUBLIC=1', async () => {
    expect((await fetchJson(`${server.base}/metrics`, 'GET')).status).toBe(401);
    const client = (await server.app.catalog.clients.addClient({ name: 'metrics-reader' })).token;
    expect((await fetchJson(`${server.base}/metrics`, 'GET', undefined, { authorization: `Bearer ${client}` })).status).toBe(401);
    const open = await startInProcess(testEnv(tempDir(), { TOOLWIRE_METRICS_PUBLIC: '1' }));
    try {
      const answer = await fetchJson(`${open.base}/metrics`, 'GET');
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('toolwire_tool_calls_total');
    } finally {
      await open.close();
    }
  });

  it('counts calls by tool, provider and outcome, with durations, upstream statuses and rate-limit refusals', async () => {
    const before = await scrape();
    const client = await clientFor(server.url, server.token, { pin: '2026-07-28' });
    try {
      for (let i = 0; i < 3; i++) expect((await callTool(client, 'm-ok')).isError).toBe(false);
      expect((await callTool(client, 'm-missing')).isError).toBe(true);
      expect((await callTool(client, 'm-broken')).isError).toBe(true);
      expect((await callTool(client, 'm-limited')).isError).toBe(false);
      expect((await callTool(client, 'm-limited')).isError).toBe(true);
      await expect(client.callTool({ name: 'no-such-tool', arguments: {} })).rejects.toThrow();
    } finally {
      await client.close();
    }
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('toolwire_tool_calls_total', { tool: 'm-ok', provider: 'm', outcome: 'ok' })).toBe(3);
    expect(delta('toolwire_tool_calls_total', { tool: 'm-missing', outcome: 'tool_error' })).toBe(1);
    expect(delta('toolwire_tool_calls_total', { tool: 'm-broken', outcome: 'upstream_error' })).toBe(1);
    expect(delta('toolwire_tool_calls_total', { tool: 'm-limited', outcome: 'rate_limited' })).toBe(1);
    expect(delta('toolwire_tool_calls_total', { provider: 'm' })).toBe(7);
    // An unknown tool name never becomes a label.
    expect(after.some((s) => Object.values(s.labels).includes('no-such-tool'))).toBe(false);
    expect(delta('toolwire_tool_call_duration_seconds_count', { provider: 'm', outcome: 'ok' })).toBe(4);
    expect(delta('toolwire_tool_call_duration_seconds_bucket', { provider: 'm', outcome: 'ok', le: '+Inf' })).toBe(4);
    expect(delta('toolwire_upstream_responses_total', { provider: 'm', status: '200' })).toBe(4);
    expect(delta('toolwire_upstream_responses_total', { provider: 'm', status: '404' })).toBe(1);
    expect(delta('toolwire_upstream_responses_total', { provider: 'm', status: '500' })).toBe(1);
    expect(delta('toolwire_rate_limited_total', { limit: 'tool' })).toBe(1);
    expect(value(after, 'toolwire_registry_tools')).toBe(server.app.registry.current().definitions.length);
  });

  it('counts dynamic-auth token fetches and their failures', async () => {
    const client = await clientFor(server.url, server.token, 'legacy');
    try {
      expect((await callTool(client, 'dyn-ok')).isError).toBe(false);
      expect((await callTool(client, 'dyn-ok')).isError).toBe(false); // the cached token: no second fetch
      expect((await callTool(client, 'dynbad-ok')).isError).toBe(true);
    } finally {
      await client.close();
    }
    const samples = await scrape();
    expect(value(samples, 'toolwire_token_fetches_total', { provider: 'dyn', result: 'ok' })).toBe(1);
    expect(value(samples, 'toolwire_token_fetches_total', { provider: 'dynbad', result: 'failed' })).toBe(1);
    expect(value(samples, 'toolwire_tool_calls_total', { provider: 'dynbad', outcome: 'refused' })).toBe(1);
  });

  it('shows open 2025-11-25 sessions and subscriptions/listen streams', async () => {
    const baseline = await scrape();
    const legacy = await clientFor(server.url, server.token, 'legacy');
    const modern = await clientFor(server.url, server.token, { pin: '2026-07-28' });
    try {
      expect(value(await scrape(), 'toolwire_sessions_open')).toBe(value(baseline, 'toolwire_sessions_open') + 1);
      const streams = value(await scrape(), 'toolwire_listen_streams_open');
      const subscription = await modern.listen({ toolsListChanged: true });
      await expect.poll(async () => value(await scrape(), 'toolwire_listen_streams_open'), { timeout: 5_000 }).toBe(streams + 1);
      await subscription.close();
      await expect.poll(async () => value(await scrape(), 'toolwire_listen_streams_open'), { timeout: 5_000 }).toBe(streams);
    } finally {
      await modern.close();
      await legacy.close();
    }
  });
});

describe('through the SDK handlers (TOOLWIRE_FAST_PATH=0)', () => {
  it('counts and audits the calls the SDK answers, both revisions', async () => {
    const sdk = await startInProcess(testEnv(tempDir(), { TOOLWIRE_FAST_PATH: '0' }));
    try {
      await sdk.app.catalog.createProvider({ name: 'S', code: 's', baseUrl: upstream.url });
      await sdk.app.catalog.createTool({ name: 'ok', code: 's-ok', providerCode: 's', endpointPath: '/ok' });
      for (const mode of ['legacy', { pin: '2026-07-28' }] as const) {
        const client = await clientFor(sdk.url, sdk.token, mode);
        try {
          expect((await callTool(client, 's-ok')).isError).toBe(false);
        } finally {
          await client.close();
        }
      }
      const answer = await fetchJson(`${sdk.base}/metrics`, 'GET', undefined, { authorization: `Bearer ${sdk.token}` });
      expect(value(parse(answer.text), 'toolwire_tool_calls_total', { tool: 's-ok', outcome: 'ok' })).toBe(2);
      await sdk.app.ops.audit!.flush();
      const audit = await fetchJson(`${sdk.base}/admin/audit?tool=s-ok`, 'GET', undefined, { authorization: `Bearer ${sdk.token}` });
      expect(audit.json.entries).toHaveLength(2);
    } finally {
      await sdk.close();
    }
  });
});
