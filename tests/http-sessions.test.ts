import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { App } from '../src/app.js';
import { createLog } from '../src/core/log.js';
import { createMcpEndpoint, type McpEndpoint } from '../src/inbound/http/mcp-endpoint.js';
import { createServerFactory } from '../src/inbound/mcp/server.js';
import { ownerCaller } from '../src/inbound/mcp/caller.js';
import { makeApp, tempDir, testEnv } from './helpers/app.js';
import { runCliAsync } from './helpers/cli.js';

/** Session bookkeeping of the HTTP endpoint, and the registry's "rebuild only on change". */
let app: App;
let endpoint: McpEndpoint;
let http: Server;
let url: string;

beforeAll(async () => {
  app = await makeApp();
  endpoint = createMcpEndpoint({
    registry: app.registry,
    log: createLog('silent'),
    factory: createServerFactory(app.registry, { pageSize: 50, legacyListChanged: true }),
    stateless: false,
    idleMs: 200,
  });
  http = createServer((req, res) => void endpoint.handle(req, res, ownerCaller()));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  await endpoint.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await app.close();
});

describe('sessions', () => {
  it('reaps idle sessions; their id then gets 404', async () => {
    const client = new Client({ name: 'idle', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(url));
    await client.connect(transport);
    const id = transport.sessionId!;
    expect(endpoint.sessionCount()).toBe(1);
    await expect.poll(() => endpoint.sessionCount(), { timeout: 10_000 }).toBe(0);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    await client.close().catch(() => {});
  });
});

describe('registry', () => {
  it('rebuilds only when the registry changed', async () => {
    const before = app.registry.current();
    expect(await app.registry.refresh()).toBe(false);
    expect(app.registry.current()).toBe(before);
    await app.catalog.createProvider({ name: 'R', code: 'r', baseUrl: 'http://127.0.0.1:9' });
    expect(app.registry.current()).not.toBe(before);
  });
});

describe('npm start', () => {
  it('serves HTTP with the examples loaded into an empty database and prints the URL, token and a client config', async () => {
    const env = testEnv(tempDir());
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('./helpers/cli.js');
    const child = spawn(process.execPath, [CLI, 'start', '--port', '0'], { env: { ...env, PATH: process.env.PATH ?? '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/Client config:[\s\S]*\}\n/);
    expect(out).toMatch(/MCP URL:\s+http:\/\/127\.0\.0\.1:\d+\/mcp/);
    expect(out).toMatch(/Bearer token:\s+tw_/);
    expect(JSON.parse(out.slice(out.indexOf('{'))).mcpServers.toolwire.url).toMatch(/\/mcp$/);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    const list = await runCliAsync(['provider', 'list', '--json'], env);
    expect(JSON.parse(list.stdout).map((p: { code: string }) => p.code)).toEqual(
      expect.arrayContaining(['github', 'tavily', 'resend', 'openweathermap', 'open-meteo', 'twilio', 'bluesky']),
    );
  });
});
