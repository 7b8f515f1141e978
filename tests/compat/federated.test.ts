import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startFederation } from '../../src/outbound/federation/index.js';
import { startMcpUpstream, type McpUpstream } from '../federation/upstream-mcp.js';
import { leaked, startCompat, type CompatHarness } from './harness.js';

/**
 * The two APIs end to end: an upstream MCP server registered through mcp_config, its credential from a
 * vault and then from api_key, reached by an agent through toolwire's /mcp.
 */
const VAULT_TOKEN = 'canary-fed-vault-token-01';
const API_KEY = 'canary-fed-api-key-02';
const POLL = { timeout: 15_000, interval: 50 };

let upstream: McpUpstream;
let h: CompatHarness;
let client: Client;
beforeAll(async () => {
  upstream = await startMcpUpstream([VAULT_TOKEN, API_KEY]);
});
afterAll(() => upstream.stop());
beforeEach(async () => {
  h = await startCompat();
  await startFederation(h.server.app, { initialRetryDelayMs: 50, maxRetryDelayMs: 400, healthIntervalMs: 150, connectTimeoutMs: 5_000, callTimeoutMs: 10_000 });
  client = new Client({ name: 'agent', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(h.server.url), { requestInit: { headers: { Authorization: `Bearer ${h.server.token}` } } }));
});
afterEach(async () => {
  await client.close();
  await h.close();
});

const names = async () => (await client.listTools()).tools.map((t) => t.name);
const multiply = () => client.callTool({ name: `127.0.0.1-${upstream.port}-mcp__multiply`, arguments: { x: 6, y: 7 } });

describe('an upstream MCP server registered through POST /api/add-git-providers', () => {
  it('is reached with the vault credential for its URL, then with its api_key, and goes when mcp_config drops it', async () => {
    const vault = await h.call('POST', '/v1/vaults', {
      display_name: 'team',
      credentials: [{ mcp_server_url: upstream.url, protocol: 'streamable_http', type: 'static_bearer', access_token: VAULT_TOKEN }],
    });
    expect(vault.status, vault.text).toBe(201);
    const registered = await h.call('POST', '/api/add-git-providers', { mcp_config: { shttp_servers: [{ url: upstream.url }] } });
    expect(registered.status, registered.text).toBe(200);
    const code = `127.0.0.1-${upstream.port}-mcp`;
    expect(registered.json.mcp_servers.registered).toEqual([{ code, protocol: 'streamable_http', server: upstream.url, status: 'created' }]);

    await expect.poll(names, POLL).toContain(`${code}__multiply`);
    expect((await multiply()).structuredContent).toEqual({ product: 42 });
    expect(upstream.authorizations.at(-1)).toBe(`Bearer ${VAULT_TOKEN}`);

    expect((await h.call('POST', '/api/add-git-providers', { mcp_config: { shttp_servers: [{ url: upstream.url, api_key: API_KEY }] } })).status).toBe(200);
    await expect.poll(async () => (await multiply()).isError !== true && upstream.authorizations.at(-1), POLL).toBe(`Bearer ${API_KEY}`);

    expect((await h.call('POST', '/api/add-git-providers', { mcp_config: {} })).json.mcp_servers.removed).toEqual([code]);
    await expect.poll(async () => (await names()).some((n) => n.startsWith(`${code}__`)), POLL).toBe(false);

    expect(leaked([...h.bodies, ...h.server.logLines, h.databaseBytes()], [VAULT_TOKEN, API_KEY])).toEqual([]);
  });
});
