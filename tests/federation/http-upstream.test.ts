import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { federatedApp, listeningClient, POLL, type FederatedApp } from './harness.js';
import { startMcpUpstream, type McpUpstream } from './upstream-mcp.js';
import { startSseUpstream } from './upstream-sse.js';

const API_KEY = 'upstream-api-key-7f3a9c';
const VAULT_TOKEN = 'vault-token-51be0d2e';
const NEWER_VAULT_TOKEN = 'vault-token-newer-93ac11';

let upstream: McpUpstream;
let fed: FederatedApp;

beforeAll(async () => {
  upstream = await startMcpUpstream([API_KEY, VAULT_TOKEN, NEWER_VAULT_TOKEN]);
});
afterEach(async () => {
  await fed?.app.close();
});
afterAll(() => upstream.stop());

describe('an upstream MCP server over Streamable HTTP', () => {
  it('lists its tools (all pages) as CODE__TOOL with their schemas, and forwards calls with its api_key', async () => {
    fed = await federatedApp();
    const { client, changes } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Upstream', code: 'up', kind: 'mcp', url: upstream.url, apiKeyValue: API_KEY });

    await expect.poll(() => changes(), POLL).toBeGreaterThan(0);
    await expect.poll(async () => (await client.listTools()).tools.map((t) => t.name), POLL).toEqual(['up__echo_auth', 'up__fail', 'up__multiply']);
    const multiply = (await client.listTools()).tools.find((t) => t.name === 'up__multiply')!;
    expect(multiply.title).toBe('Multiply');
    expect(multiply.description).toBe('Multiplies x by y');
    expect(multiply.inputSchema).toEqual({ type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'] });
    expect(multiply.outputSchema).toEqual({ type: 'object', properties: { product: { type: 'number' } }, required: ['product'] });
    expect(multiply.annotations).toEqual({ readOnlyHint: true, openWorldHint: false });

    const product = await client.callTool({ name: 'up__multiply', arguments: { x: 6, y: 7 } });
    expect(product.isError).toBeFalsy();
    expect(product.structuredContent).toEqual({ product: 42 });
    expect(upstream.authorizations.at(-1)).toBe(`Bearer ${API_KEY}`);

    // The upstream echoes the credential back: the agent sees it masked.
    const echoed = await client.callTool({ name: 'up__echo_auth', arguments: { note: 'hi' } });
    expect(textOf(echoed)).toBe('you sent Bearer [REDACTED] (note: hi)');

    // An upstream error is a tool error naming the provider, and the connection stays up.
    const failed = await client.callTool({ name: 'up__fail', arguments: {} });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/upstream MCP server "up".*the fixture refuses this call/);
    expect((await client.callTool({ name: 'up__multiply', arguments: { x: 2, y: 3 } })).structuredContent).toEqual({ product: 6 });

    expect(fed.logs.join('')).not.toContain(API_KEY);
  });

  it('uses the newest vault credential for its URL and protocol when it has no api_key, and reconnects when it changes', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Vaulted', code: 'vaulted', kind: 'mcp', url: upstream.url, protocol: 'streamable_http' });
    // No credential yet: the upstream answers 401, so no tools, and toolwire keeps retrying.
    await expect.poll(() => fed.federation.status()[0]?.error ?? '', POLL).toMatch(/401/);
    expect(await names()).toEqual([]);

    const vault = await fed.app.store.vaults.createVault('team');
    await fed.app.store.vaults.addCredential(vault.id, {
      mcpServerUrl: upstream.url,
      protocol: 'sse',
      type: 'static_bearer',
      accessToken: 'wrong-protocol-token',
    });
    await fed.app.store.vaults.addCredential(vault.id, {
      mcpServerUrl: upstream.url,
      protocol: 'streamable_http',
      type: 'static_bearer',
      accessToken: VAULT_TOKEN,
    });
    await fed.app.registry.refresh();
    await expect.poll(names, POLL).toContain('vaulted__multiply');
    await client.callTool({ name: 'vaulted__multiply', arguments: { x: 1, y: 1 } });
    expect(upstream.authorizations.at(-1)).toBe(`Bearer ${VAULT_TOKEN}`);

    await fed.app.store.vaults.addCredential(vault.id, {
      mcpServerUrl: upstream.url,
      protocol: 'streamable_http',
      type: 'static_bearer',
      accessToken: NEWER_VAULT_TOKEN,
    });
    await fed.app.registry.refresh();
    await expect
      .poll(async () => {
        await client.callTool({ name: 'vaulted__multiply', arguments: { x: 1, y: 1 } });
        return upstream.authorizations.at(-1);
      }, POLL)
      .toBe(`Bearer ${NEWER_VAULT_TOKEN}`);
    const echoed = await client.callTool({ name: 'vaulted__echo_auth', arguments: {} });
    expect(textOf(echoed)).toBe('you sent Bearer [REDACTED] (note: )');
    const logs = fed.logs.join('');
    for (const secret of [VAULT_TOKEN, NEWER_VAULT_TOKEN, 'wrong-protocol-token']) expect(logs).not.toContain(secret);
  });

  it("passes the upstream's list_changed on to our clients", async () => {
    fed = await federatedApp();
    const { changes, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Upstream', code: 'up', kind: 'mcp', url: upstream.url, apiKeyValue: API_KEY });
    await expect.poll(names, POLL).toContain('up__multiply');
    const before = changes();
    await upstream.addTool({ name: 'later', description: 'Added later', inputSchema: { type: 'object', properties: {} } }, 'later answer');
    await expect.poll(() => changes(), POLL).toBeGreaterThan(before);
    await expect.poll(names, POLL).toContain('up__later');
  });

  it('drops the tools of an upstream that goes down (with list_changed), answers calls meanwhile with a clear error, and brings them back', async () => {
    fed = await federatedApp();
    const { client, changes, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Upstream', code: 'up', kind: 'mcp', url: upstream.url, apiKeyValue: API_KEY });
    await expect.poll(names, POLL).toContain('up__multiply');

    const before = changes();
    await upstream.stop();
    await expect.poll(names, POLL).toEqual([]);
    // list_changed goes out just after the swap the list already shows (the registry tells sessions after the write).
    await expect.poll(changes, POLL).toBeGreaterThan(before);
    const meanwhile = await client.callTool({ name: 'up__multiply', arguments: { x: 2, y: 2 } });
    expect(meanwhile.isError).toBe(true);
    expect(textOf(meanwhile)).toMatch(/The upstream MCP server "up" is not connected.*reconnecting/);

    const whileDown = changes();
    await upstream.restart();
    await expect.poll(names, POLL).toContain('up__multiply');
    await expect.poll(changes, POLL).toBeGreaterThan(whileDown);
    expect((await client.callTool({ name: 'up__multiply', arguments: { x: 2, y: 5 } })).structuredContent).toEqual({ product: 10 });
    expect(fed.logs.join('')).not.toContain(API_KEY);
  });
});

describe('an upstream MCP server over SSE', () => {
  it('is reached with the bearer on both the event stream and the posted messages', async () => {
    const sse = await startSseUpstream('sse-token-c0ffee42');
    try {
      fed = await federatedApp();
      const { client, names } = await listeningClient(fed.app);
      await fed.app.catalog.createProvider({ name: 'Old', code: 'old', kind: 'mcp', url: sse.url, protocol: 'sse', apiKeyValue: 'sse-token-c0ffee42' });
      await expect.poll(names, POLL).toEqual(['old__hello']);
      expect(textOf(await client.callTool({ name: 'old__hello', arguments: { who: 'you' } }))).toBe('hello you');
      expect(sse.authorizations).toContain('GET Bearer sse-token-c0ffee42');
      expect(sse.authorizations).toContain('POST Bearer sse-token-c0ffee42');
      expect(fed.logs.join('')).not.toContain('sse-token-c0ffee42');
    } finally {
      await fed.app.close();
      await sse.stop();
    }
  });
});

describe('isolation', () => {
  let api: Upstream;
  beforeAll(async () => {
    api = await startUpstream();
  });
  afterAll(() => api.close());

  it('an unreachable upstream does not affect the tools of an HTTP provider', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Gone', code: 'gone', kind: 'mcp', url: 'http://127.0.0.1:9/mcp', apiKeyValue: 'gone-secret-key' });
    await fed.app.catalog.createProvider({ name: 'Api', code: 'api', baseUrl: api.url });
    await fed.app.catalog.createTool({ name: 'Ping', code: 'api-ping', providerCode: 'api', endpointPath: '/ping', httpMethod: 'GET' });
    await expect.poll(() => fed.federation.status()[0]?.state, POLL).toBe('down');
    expect(await names()).toEqual(['api-ping', 'toolwire_read_more']);
    const result = await client.callTool({ name: 'api-ping', arguments: {} });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(api.requests.at(-1)?.path).toBe('/ping');
    expect(fed.logs.join('')).toMatch(/upstream MCP server "gone" is unavailable/);
    expect(fed.logs.join('')).not.toContain('gone-secret-key');
  });

  it('an upstream tool whose name an HTTP tool already has does not take its calls', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider({ name: 'Api', code: 'api', baseUrl: api.url });
    await fed.app.catalog.createTool({ name: 'Mine', code: 'up__multiply', providerCode: 'api', endpointPath: '/mine', httpMethod: 'GET' });
    await fed.app.catalog.createProvider({ name: 'Upstream', code: 'up', kind: 'mcp', url: upstream.url, apiKeyValue: API_KEY });
    await expect.poll(names, POLL).toContain('up__echo_auth');
    expect((await names()).filter((n) => n === 'up__multiply')).toHaveLength(1);
    const result = await client.callTool({ name: 'up__multiply', arguments: {} });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(api.requests.at(-1)?.path).toBe('/mine');
    expect(fed.logs.join('')).toContain('Two tools are named "up__multiply"');
  });
});
