import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpProvider } from '../../src/core/model.js';
import { createLog } from '../../src/core/log.js';
import { UserConnections } from '../../src/outbound/federation/user-connections.js';
import { FAST, POLL } from './harness.js';
import { startMcpUpstream, type McpUpstream } from './upstream-mcp.js';

/**
 * Connections opened with a client's own key (SPEC §11), against a real upstream MCP server: one per
 * (provider, client) reused, replaced by a new key, at most `maxOpen` (the least recently used closed
 * first), closed when idle or when the key is no longer the client's.
 */
let upstream: McpUpstream;
beforeAll(async () => {
  upstream = await startMcpUpstream(['key-a', 'key-a2', 'key-b']);
});
afterAll(() => upstream.stop());

const timings = { ...FAST, healthIntervalMs: 600_000, maxResponseBytes: 1_000_000 };
const log = createLog('silent');

function provider(): McpProvider {
  return {
    id: 1,
    name: 'U',
    code: 'u',
    kind: 'mcp',
    transport: { protocol: 'streamable_http', url: upstream.url },
    authenticationType: 'NONE',
    apiKeyLocation: 'NONE',
    apiKeyName: null,
    apiKeyValue: null,
    isExportable: true,
    customHeaders: {},
    isDynamicAuth: false,
    dynamicAuthUrl: null,
    dynamicAuthMethod: null,
    dynamicAuthPayload: null,
    dynamicAuthPayloadType: null,
    dynamicAuthPayloadLocation: null,
    dynamicAuthTokenExtractionPath: null,
    dynamicAuthInvalidationKeywords: null,
    enabled: true,
    credentialMode: 'per_user',
    toolMode: 'direct',
    oauth: null,
    rateLimit: null,
    maxResultTokens: null,
    fenceUpstreamText: false,
    userId: null,
    createdAt: '',
    updatedAt: '',
  };
}

describe('UserConnections', () => {
  it('reuses a client’s connection, replaces it for a new key, and keeps at most maxOpen (LRU)', async () => {
    const users = new UserConnections(timings, log, { maxOpen: 1, idleMs: 600_000 });
    const p = provider();
    const a = await users.get(p, 'alice', 'key-a');
    expect(a.state).toBe('ready');
    expect(await users.get(p, 'alice', 'key-a')).toBe(a);
    const a2 = await users.get(p, 'alice', 'key-a2');
    expect(a2).not.toBe(a);
    expect(a.state).toBe('closed');
    const b = await users.get(p, 'bob', 'key-b');
    expect(b.state).toBe('ready');
    expect(a2.state).toBe('closed');
    expect(users.size).toBe(1);
    users.retain(() => null);
    expect(b.state).toBe('closed');
    expect(users.size).toBe(0);
    await users.close();
  });

  it('closes a connection left unused for idleMs', async () => {
    const clock = { t: 0 };
    const users = new UserConnections(timings, log, { maxOpen: 8, idleMs: 1_000 }, () => clock.t);
    const a = await users.get(provider(), 'alice', 'key-a');
    clock.t = 5_000;
    await expect.poll(() => a.state, POLL).toBe('closed');
    expect(users.size).toBe(0);
    await users.close();
  });
});
