import type { LookupAddress } from 'node:dns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startFederation, type Federation } from '../../src/outbound/federation/index.js';
import { createLog } from '../../src/core/log.js';
import { BlockedAddressError, guardedLookup } from '../../src/outbound/address-policy.js';
import { connect, makeApp, tempDir, testEnv, textOf } from '../helpers/app.js';
import { startServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { FAST, POLL } from '../federation/harness.js';
import { startMcpUpstream, type McpUpstream } from '../federation/upstream-mcp.js';
import { startSseUpstream } from '../federation/upstream-sse.js';

/**
 * SPEC §15, TOOLWIRE_BLOCK_PRIVATE: every connection toolwire opens (tool calls, dynamic-auth tokens,
 * upstream MCP servers) is refused when its address is not public. Tests may only reach 127.0.0.1,
 * so each case proves both sides on it: refused (and nothing received) when on, reached when off.
 */

const BLOCK = { TOOLWIRE_BLOCK_PRIVATE: '1' };
const API_KEY = 'outbound-key-4d2a9e1f';

let api: Upstream;
const opened: Array<{ app: App; client?: Client }> = [];

async function appWith(env: Record<string, string>): Promise<{ app: App; client: Client }> {
  const app = await makeApp(env);
  const client = await connect(app);
  opened.push({ app, client });
  return { app, client };
}

beforeAll(async () => {
  api = await startUpstream();
});
afterEach(async () => {
  for (const { app, client } of opened.splice(0)) {
    await client?.close();
    await app.close();
  }
  api.requests.length = 0;
});
afterAll(() => api.close());

async function addApiTool(app: App, baseUrl: string): Promise<void> {
  await app.catalog.createProvider({
    name: 'Local API',
    code: 'local',
    baseUrl,
    authenticationType: 'API_KEY',
    apiKeyLocation: 'HEADER',
    apiKeyName: 'X-Api-Key',
    apiKeyValue: API_KEY,
  });
  await app.catalog.createTool({ name: 'Ping', code: 'ping', providerCode: 'local', endpointPath: '/ping', httpMethod: 'GET' });
}

describe('tool calls (provider baseUrl)', () => {
  it('refuses a provider on 127.0.0.1 when TOOLWIRE_BLOCK_PRIVATE=1, naming host, address and variable; nothing is sent', async () => {
    const { app, client } = await appWith(BLOCK);
    await addApiTool(app, api.url);
    const result = await client.callTool({ name: 'ping', arguments: {} });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain('Refused to connect to 127.0.0.1');
    expect(text).toContain('loopback');
    expect(text).toContain('TOOLWIRE_BLOCK_PRIVATE');
    expect(text).not.toContain(API_KEY);
    expect(api.requests).toHaveLength(0);
  });

  it('refuses localhost, localhost. and [::ffff:127.0.0.1] the same way', async () => {
    const { app, client } = await appWith(BLOCK);
    for (const [code, host] of [
      ['a', 'localhost'],
      ['b', 'localhost.'],
      ['c', '[::ffff:127.0.0.1]'],
    ] as const) {
      await app.catalog.createProvider({ name: code, code, baseUrl: `http://${host}:${api.port}` });
      await app.catalog.createTool({ name: code, code: `t-${code}`, providerCode: code, endpointPath: '/ping', httpMethod: 'GET' });
      const result = await client.callTool({ name: `t-${code}`, arguments: {} });
      expect(result.isError, host).toBe(true);
      expect(textOf(result)).toMatch(/Refused to connect to .*loopback.*TOOLWIRE_BLOCK_PRIVATE/s);
    }
    expect(api.requests).toHaveLength(0);
  });

  it('reaches the same provider when blocking is off (the default)', async () => {
    const { app, client } = await appWith({});
    expect(app.config.blockPrivate).toBe(false);
    await addApiTool(app, api.url);
    const result = await client.callTool({ name: 'ping', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.headers['x-api-key']).toBe(API_KEY);
  });

  it('reaches an API given by an IPv4-mapped IPv6 literal when off (the request path is cut after the normalized origin)', async () => {
    const { app, client } = await appWith({});
    await addApiTool(app, `http://[::ffff:127.0.0.1]:${api.port}/v1`);
    const result = await client.callTool({ name: 'ping', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(api.requests.map((r) => r.path)).toEqual(['/v1/ping']);
  });

  it('a refusal is not retried and the server keeps serving', async () => {
    const { app, client } = await appWith(BLOCK);
    await addApiTool(app, api.url);
    for (let i = 0; i < 3; i++) expect((await client.callTool({ name: 'ping', arguments: {} })).isError).toBe(true);
    expect(api.requests).toHaveLength(0);
  });
});

describe('the resolved address of a name', () => {
  it('guardedLookup refuses a name by what it resolves to (localhost → loopback), in both lookup forms', async () => {
    const single = await new Promise<unknown>((resolve) => guardedLookup('localhost', {}, (err) => resolve(err)));
    expect(single).toBeInstanceOf(BlockedAddressError);
    expect((single as BlockedAddressError).message).toMatch(
      /Refused to connect to localhost: it resolves to (127\.0\.0\.1|::1), a loopback address.*TOOLWIRE_BLOCK_PRIVATE/,
    );
    const all = await new Promise<unknown>((resolve) => guardedLookup('localhost', { all: true }, (err) => resolve(err)));
    expect(all).toBeInstanceOf(BlockedAddressError);
  });

  it('passes a lookup error through unchanged', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup('no-such-host.invalid', { all: true }, (e: NodeJS.ErrnoException | null, _a: string | LookupAddress[]) => resolve(e)),
    );
    expect(err).not.toBeInstanceOf(BlockedAddressError);
    expect(err?.code).toMatch(/ENOTFOUND|EAI_AGAIN|EAI_NONAME/);
  });
});

describe('dynamic-auth token endpoints', () => {
  async function addDynamic(app: App, tokenUrl: string, baseUrl: string): Promise<void> {
    await app.catalog.createProvider({
      name: 'Dyn',
      code: 'dyn',
      baseUrl,
      authenticationType: 'BEARER_TOKEN',
      isDynamicAuth: true,
      dynamicAuthUrl: tokenUrl,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayload: JSON.stringify({ user: 'me', password: 'token-password-77aa' }),
      dynamicAuthTokenExtractionPath: '$.access_token',
    });
    await app.catalog.createTool({ name: 'Me', code: 'me', providerCode: 'dyn', endpointPath: '/me', httpMethod: 'GET' });
  }

  it('refuses a token URL on 127.0.0.1 when on: an isError naming host, address and variable; the endpoint gets nothing', async () => {
    const tokens = await startUpstream((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"t-1"}'));
    try {
      const { app, client } = await appWith(BLOCK);
      // The API sits on a public address that is never reached: the token comes first.
      await addDynamic(app, `${tokens.url}/token`, 'http://93.184.216.34:9');
      const result = await client.callTool({ name: 'me', arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /token for provider "dyn".*Refused to connect to 127\.0\.0\.1, a loopback address.*TOOLWIRE_BLOCK_PRIVATE.*dynamicAuthUrl/s,
      );
      expect(textOf(result)).not.toContain('token-password-77aa');
      expect(tokens.requests).toHaveLength(0);
    } finally {
      await tokens.close();
    }
  });

  it('fetches the token from the same endpoint when off', async () => {
    const tokens = await startUpstream((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"t-1"}'));
    try {
      const { app, client } = await appWith({});
      await addDynamic(app, `${tokens.url}/token`, api.url);
      const result = await client.callTool({ name: 'me', arguments: {} });
      expect(result.isError).toBeFalsy();
      expect(tokens.requests).toHaveLength(1);
      expect(api.requests[0]?.headers.authorization).toBe('Bearer t-1');
    } finally {
      await tokens.close();
    }
  });
});

describe('upstream MCP servers', () => {
  let mcp: McpUpstream;
  let federation: Federation;
  const fedApps = new Set<App>();
  const MCP_KEY = 'mcp-outbound-key-19bc';

  beforeAll(async () => {
    mcp = await startMcpUpstream([MCP_KEY]);
  });
  afterAll(() => mcp.stop());
  afterEach(async () => {
    for (const app of fedApps) await closeFed(app);
  });

  async function closeFed(app: App): Promise<void> {
    if (fedApps.delete(app)) await app.close();
  }

  async function federated(env: Record<string, string>): Promise<{ app: App; federation: Federation }> {
    const app = await createApp(loadConfig(testEnv(tempDir(), env)), createLog('silent'));
    federation = await startFederation(app, FAST);
    fedApps.add(app);
    return { app, federation };
  }

  it('refuses a Streamable HTTP upstream on 127.0.0.1 when on: its status names host, address and variable; it receives nothing', async () => {
    const { app } = await federated(BLOCK);
    const before = mcp.authorizations.length;
    await app.catalog.createProvider({ name: 'Up', code: 'up', kind: 'mcp', url: mcp.url, apiKeyValue: MCP_KEY });
    await expect
      .poll(() => federation.status()[0]?.error ?? '', POLL)
      .toMatch(/Refused to connect to 127\.0\.0\.1, a loopback address.*TOOLWIRE_BLOCK_PRIVATE/s);
    expect(federation.status()[0]?.state).not.toBe('ready');
    expect(mcp.authorizations.length).toBe(before);
    const client = await connect(app);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([]);
    await client.close();
  });

  it('reaches the same upstream when off', async () => {
    const { app } = await federated({});
    await app.catalog.createProvider({ name: 'Up', code: 'up', kind: 'mcp', url: mcp.url, apiKeyValue: MCP_KEY });
    await expect.poll(() => federation.status()[0]?.state, POLL).toBe('ready');
  });

  it('refuses an SSE upstream on 127.0.0.1 when on, and reaches it when off', async () => {
    const sse = await startSseUpstream('sse-outbound-token-51');
    try {
      const blocked = await federated(BLOCK);
      await blocked.app.catalog.createProvider({ name: 'Old', code: 'old', kind: 'mcp', url: sse.url, protocol: 'sse', apiKeyValue: 'sse-outbound-token-51' });
      await expect.poll(() => blocked.federation.status()[0]?.error ?? '', POLL).toMatch(/Refused to connect to 127\.0\.0\.1.*TOOLWIRE_BLOCK_PRIVATE/s);
      expect(sse.authorizations).toHaveLength(0);
      await closeFed(blocked.app);

      const open = await federated({});
      await open.app.catalog.createProvider({ name: 'Old', code: 'old', kind: 'mcp', url: sse.url, protocol: 'sse', apiKeyValue: 'sse-outbound-token-51' });
      await expect.poll(() => open.federation.status()[0]?.state, POLL).toBe('ready');
      expect(sse.authorizations.length).toBeGreaterThan(0);
      await closeFed(open.app);
    } finally {
      await sse.stop();
    }
  });
});

describe('serve --http says whether blocking is on', () => {
  it('prints on stderr that outbound addresses are not restricted and how to turn blocking on; nothing when it is on', async () => {
    const off = await startServer([], testEnv(tempDir(), { TOOLWIRE_LOG_LEVEL: 'info' }));
    try {
      expect(off.stderr()).toMatch(/Outbound addresses are not restricted.*Set TOOLWIRE_BLOCK_PRIVATE=1 to allow only public addresses/);
    } finally {
      await off.stop();
    }
    const on = await startServer([], testEnv(tempDir(), { TOOLWIRE_LOG_LEVEL: 'info', ...BLOCK }));
    try {
      expect(on.stderr()).not.toMatch(/not restricted/);
    } finally {
      await on.stop();
    }
  });
});
