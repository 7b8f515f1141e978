import type { ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, testEnv, textOf } from '../helpers/app.js';
import { startServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// Issue 11: on SIGTERM, calls still running when the grace (10 s) ends got a bare connection reset, and
// the process exited only once the API answered or timed out. They must get an answer saying the server
// is shutting down, and the process must exit at the grace, whatever the API does.

let upstream: Upstream;
const held: ServerResponse[] = [];
const env = testEnv(tempDir(), {
  // Far longer than this test may run: with the old behaviour the process could only exit after it.
  TOOLWIRE_TIMEOUT_MS: '600000',
  TOOLWIRE_LOG_LEVEL: 'warn',
});

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.path.startsWith('/stuck')) {
      held.push(res); // never answered while the test runs
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  for (const [args, input] of [
    [['provider', 'add', '-'], { name: 'Slow API', code: 'slow', baseUrl: upstream.url }],
    [['tool', 'add', '-'], { name: 'Stuck read', code: 'stuck-get', providerCode: 'slow', endpointPath: '/stuck/get', httpMethod: 'GET' }],
    [['tool', 'add', '-'], { name: 'Stuck write', code: 'stuck-post', providerCode: 'slow', endpointPath: '/stuck/post', httpMethod: 'POST' }],
    [['tool', 'add', '-'], { name: 'Quick', code: 'quick', providerCode: 'slow', endpointPath: '/quick', httpMethod: 'GET' }],
  ] as const) {
    const run = runCli([...args], env, JSON.stringify(input));
    expect(run.code, run.stderr).toBe(0);
  }
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await upstream.close();
});

describe('SIGTERM with calls that outlast the grace', () => {
  it('answers them that the server is shutting down (no reset), and the process exits 0 without waiting for the API', { timeout: 90_000 }, async () => {
    const server = await startServer([], env);
    try {
      const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${server.token}` } } });
      const client = new Client({ name: 'agent', version: '1' });
      await client.connect(transport);
      expect((await client.callTool({ name: 'quick' })).isError).toBeFalsy();

      // An SDK client's call, and a raw JSON-RPC POST in the same session, both waiting on the API.
      const viaSdk = client.callTool({ name: 'stuck-get' }, undefined, { timeout: 120_000 });
      const viaRaw = fetch(server.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.token}`,
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
          'mcp-protocol-version': '2025-06-18',
          'mcp-session-id': transport.sessionId as string,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'tools/call', params: { name: 'stuck-post', arguments: {} } }),
      }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { id: number; result?: { isError?: boolean; content: Array<{ text: string }> } },
      }));
      await expect.poll(() => upstream.requests.filter((r) => r.path.startsWith('/stuck')).length, { timeout: 10_000 }).toBe(2);

      const exitCode = server.stop('SIGTERM');
      const sdkResult = await viaSdk;
      expect(sdkResult.isError).toBe(true);
      expect(textOf(sdkResult)).toMatch(/Tool "stuck-get" failed: toolwire is shutting down/);

      const raw = await viaRaw;
      expect(raw.status).toBe(200);
      expect(raw.body.id).toBe(77);
      expect(raw.body.result?.isError).toBe(true);
      expect(raw.body.result?.content[0]?.text).toMatch(/shutting down.*may or may not have reached the API/s);

      // The API still holds both requests: the process did not wait for them.
      expect(await exitCode).toBe(0);
      expect(held.filter((res) => !res.writableEnded)).toHaveLength(2);
      expect(server.stderr()).toMatch(/2 request\(s\) still running after the 10 s grace; 2 tool call\(s\) .* shutting down/);
      expect(server.stderr()).not.toMatch(/^\s+at /m);
      await client.close().catch(() => {});
    } finally {
      await server.stop('SIGKILL');
    }
  });
});
