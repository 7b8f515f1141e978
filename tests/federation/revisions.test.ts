import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RULES } from '../../src/catalog/write-rules.js';
import { tempDir, testEnv, textOf } from '../helpers/app.js';
import { CLI, runCli, runCliAsync } from '../helpers/cli.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { federatedApp, listeningClient, pidAlive, POLL, STDIO_FIXTURE, type FederatedApp } from './harness.js';
import { startMcpUpstream, type McpUpstream } from './upstream-mcp.js';

/**
 * Upstream MCP servers are reached in whichever revision they speak (discover first, then
 * initialize): toolwire itself (2026-07-28 beside 2025-11-25) over HTTP and stdio ends on
 * 2026-07-28, the v1-SDK fixtures (2025 only) on initialize. The stdio probe runs on a short-lived
 * process of the same command and env, which is gone once connected, and is not repeated on restarts.
 */
const MODERN = '2026-07-28';
const upEnv = testEnv(tempDir());
let api: Upstream;
let toolwire: RunningServer;
let legacyHttp: McpUpstream;
let fed: FederatedApp;

/** When the API saw each /hold request's socket close: a cancel that went all the way through. */
const holdClosed: number[] = [];

beforeAll(async () => {
  api = await startUpstream((req, res) => {
    if (req.path === '/hold') return void res.on('close', () => holdClosed.push(Date.now())); // answers never
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path, method: req.method }));
  });
  runCli(['provider', 'add', '-'], upEnv, JSON.stringify({ name: 'Echo', code: 'echo', baseUrl: api.url }));
  runCli(['tool', 'add', '-'], upEnv, JSON.stringify({ name: 'Ping', code: 'ping', providerCode: 'echo', endpointPath: '/ping' }));
  runCli(['tool', 'add', '-'], upEnv, JSON.stringify({ name: 'Hold', code: 'hold', providerCode: 'echo', endpointPath: '/hold', httpMethod: 'POST' }));
  [toolwire, legacyHttp] = await Promise.all([startServer([], upEnv), startMcpUpstream(['legacy-key-4471'])]);
});
afterEach(async () => {
  await fed?.app.close();
});
afterAll(async () => {
  await Promise.all([toolwire?.stop(), legacyHttp?.stop()]);
  await api.close();
});

const status = (code: string) => fed.federation.status().find((s) => s.code === code);

describe('upstream MCP servers in either revision', () => {
  it('an upstream that speaks 2026-07-28 over HTTP is reached in it: tools, calls and list_changed (subscriptions/listen)', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Toolwire', code: 'tw', kind: 'mcp', url: toolwire.url, apiKeyValue: toolwire.token });
    await expect.poll(names, POLL).toContain('tw__ping');
    expect(status('tw')).toMatchObject({ state: 'ready', protocolVersion: MODERN });

    const before = api.requests.length;
    const result = await client.callTool({ name: 'tw__ping', arguments: {} });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(JSON.parse(textOf(result))).toMatchObject({ path: '/ping', method: 'GET' });
    expect(api.requests.length).toBe(before + 1);

    // A change in the upstream (another process writes its database) reaches us through the listen stream.
    const added = await runCliAsync(
      ['tool', 'add', '-'],
      upEnv,
      JSON.stringify({ name: 'Later', code: 'later', providerCode: 'echo', endpointPath: '/later' }),
    );
    expect(added.code, added.stderr).toBe(0);
    await expect.poll(names, POLL).toContain('tw__later');
    // Relisted on the same connection (not a reconnect): the notification came on the subscription.
    const lines = fed.logs.join('\n');
    // ping, later and the upstream toolwire's own toolwire_read_more (re-exported: its cut answers stay readable).
    expect(lines).toMatch(/upstream MCP server "tw" changed its tools: 4 tool/);
    expect(lines.match(/upstream MCP server "tw" connected/g)).toHaveLength(1);
    expect(status('tw')?.protocolVersion).toBe(MODERN);
  });

  it("cancelling a call of an upstream server's tool cancels it upstream too: the API sees its request closed", async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Toolwire', code: 'tw', kind: 'mcp', url: toolwire.url, apiKeyValue: toolwire.token });
    await expect.poll(names, POLL).toContain('tw__hold');
    const seen = holdClosed.length;
    const held = () => api.requests.filter((r) => r.path === '/hold').length;
    const before = held();
    const controller = new AbortController();
    const call = client.callTool({ name: 'tw__hold', arguments: {} }, undefined, { signal: controller.signal }).catch((err: unknown) => err);
    await expect.poll(held, POLL).toBe(before + 1);
    controller.abort();
    await call;
    await expect.poll(() => holdClosed.length, POLL).toBe(seen + 1);
  });

  it('an upstream that speaks 2026-07-28 over stdio is reached in it', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider(
      { name: 'Toolwire stdio', code: 'tws', kind: 'mcp', command: process.execPath, args: [CLI, 'serve'], env: upEnv },
      CLI_RULES,
    );
    await expect.poll(names, POLL).toContain('tws__ping');
    expect(status('tws')).toMatchObject({ state: 'ready', protocolVersion: MODERN });
    expect(pidAlive(status('tws')!.pid!)).toBe(true);
    const result = await client.callTool({ name: 'tws__ping', arguments: {} });
    expect(JSON.parse(textOf(result))).toMatchObject({ path: '/ping' });
  });

  it('a 2025-only upstream over HTTP falls back to initialize', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Legacy', code: 'old', kind: 'mcp', url: legacyHttp.url, apiKeyValue: 'legacy-key-4471' });
    await expect.poll(names, POLL).toContain('old__multiply');
    expect(status('old')?.protocolVersion).toMatch(/^2025-/);
    expect((await client.callTool({ name: 'old__multiply', arguments: { x: 6, y: 7 } })).structuredContent).toEqual({ product: 42 });
  });

  it('a 2025-only stdio upstream: the probe process got the same env and is gone; a restart does not probe again', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    const marks = join(tempDir(), 'pids');
    await fed.app.catalog.createProvider(
      { name: 'Fixture', code: 'fs', kind: 'mcp', command: process.execPath, args: [STDIO_FIXTURE], env: { FIXTURE_MARK: marks } },
      CLI_RULES,
    );
    await expect.poll(names, POLL).toContain('fs__add');
    expect(status('fs')?.protocolVersion).toMatch(/^2025-/);
    const started = () => readFileSync(marks, 'utf8').trim().split('\n').map(Number);
    // Two processes started with FIXTURE_MARK from the provider's env: the probe, then the server.
    const [probe, server] = started();
    expect(started()).toHaveLength(2);
    expect(status('fs')?.pid).toBe(server);
    expect(pidAlive(probe!)).toBe(false);
    expect((await client.callTool({ name: 'fs__add', arguments: { a: 1, b: 2 } })).structuredContent).toEqual({ sum: 3 });

    process.kill(server!, 'SIGKILL');
    await expect.poll(() => status('fs')?.state === 'ready' && status('fs')?.pid !== server, POLL).toBe(true);
    // One more process: the server again, with the kept verdict and no probe.
    expect(started()).toEqual([probe, server, status('fs')?.pid]);
    expect(status('fs')?.protocolVersion).toMatch(/^2025-/);
  });
});
