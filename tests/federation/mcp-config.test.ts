import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { tempDir, testEnv, textOf } from '../helpers/app.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { POLL } from './harness.js';
import { startMcpUpstream, type McpUpstream } from './upstream-mcp.js';

/** The flow end to end: servers registered through mcp_config and vaults are federated at once. */
const TOKEN = 'client-token-mcp-config-0123456789abcdef';
let upstream: McpUpstream;
let server: RunningServer;

beforeAll(async () => {
  upstream = await startMcpUpstream(['mcp-config-key-1a2b3c', 'vault-key-from-api-9z8y']);
  server = await startServer([], { ...testEnv(tempDir()), TOOLWIRE_TOKEN: TOKEN, TOOLWIRE_LOG_LEVEL: 'debug' });
});
afterAll(async () => {
  await server?.stop();
  await upstream.stop();
});

const post = (path: string, body: unknown) =>
  fetch(new URL(path, server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('upstreams registered over HTTP', () => {
  it('servers from mcp_config, with an api_key or a vault credential, are re-exported to a connected client and removed with it', async () => {
    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
    const names = async () => (await client.listTools()).tools.map((t) => t.name);
    try {
      const registered = await post('/api/add-git-providers', { mcp_config: { shttp_servers: [{ url: upstream.url, api_key: 'mcp-config-key-1a2b3c' }] } });
      expect(registered.status).toBe(200);
      await expect.poll(names, POLL).toEqual(expect.arrayContaining([expect.stringMatching(/__multiply$/)]));
      const multiply = (await names()).find((n) => n.endsWith('__multiply'))!;
      expect((await client.callTool({ name: multiply, arguments: { x: 3, y: 3 } })).structuredContent).toEqual({ product: 9 });
      expect(upstream.authorizations.at(-1)).toBe('Bearer mcp-config-key-1a2b3c');

      // The first kept with its masked key; a second without an api_key is refused (401) until a vault
      // credential for its URL exists.
      const second = `${upstream.url}2`;
      const both = await post('/api/add-git-providers', { mcp_config: { shttp_servers: [{ url: upstream.url, api_key: '<YOUR_API_KEY>' }, { url: second }] } });
      expect(both.status).toBe(200);
      const vault = await post('/v1/vaults', {
        display_name: 'team',
        credentials: [{ mcp_server_url: second, protocol: 'streamable_http', type: 'static_bearer', access_token: 'vault-key-from-api-9z8y' }],
      });
      expect(vault.status).toBe(201);
      await expect.poll(async () => (await names()).filter((n) => n.endsWith('__multiply')).length, POLL).toBe(2);
      const viaVault = (await names()).find((n) => n.endsWith('__multiply') && n !== multiply)!;
      await client.callTool({ name: viaVault, arguments: { x: 1, y: 2 } });
      expect(upstream.authorizations.at(-1)).toBe('Bearer vault-key-from-api-9z8y');
      const echoed = await client.callTool({ name: viaVault.replace('multiply', 'echo_auth'), arguments: {} });
      expect(textOf(echoed)).toContain('Bearer [REDACTED]');

      const cleared = await post('/api/add-git-providers', { mcp_config: { shttp_servers: [] } });
      expect(cleared.status).toBe(200);
      await expect.poll(names, POLL).toEqual([]);
      const logs = server.stderr() + server.stdout();
      expect(logs).not.toContain('mcp-config-key-1a2b3c');
      expect(logs).not.toContain('vault-key-from-api-9z8y');
    } finally {
      await client.close();
    }
  });
});
