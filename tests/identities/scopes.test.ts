import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * Identities on one `serve --http` (SPEC §11): each client sees and calls only the tools its scope
 * allows — a tool out of scope is answered exactly like a tool that does not exist, in tools/list,
 * tools/call and meta mode alike, in both MCP revisions — and only the owner (or an --admin client)
 * reaches /admin.
 */
const MODERN = '2026-07-28';
const env = testEnv(tempDir());
let upstream: Upstream;
let server: RunningServer;
const tokens: Record<string, string> = {};

function addClient(name: string, ...flags: string[]): string {
  const added = runCli(['client', 'add', name, ...flags], env);
  expect(added.code, added.stderr).toBe(0);
  return added.stdout.trim();
}

beforeAll(async () => {
  upstream = await startUpstream();
  const tool = (code: string, providerCode: string) =>
    runCli(['tool', 'add', '-'], env, JSON.stringify({ name: code, code, providerCode, endpointPath: `/${code}` }));
  runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'Git', code: 'gh', baseUrl: upstream.url }));
  runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'Mail', code: 'mail', baseUrl: upstream.url }));
  runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'Notes', code: 'notes', baseUrl: upstream.url, toolMode: 'meta' }));
  for (const [code, provider] of [
    ['gh-issues', 'gh'],
    ['gh-repos', 'gh'],
    ['mail-send', 'mail'],
    ['getNote', 'notes'],
    ['deleteNote', 'notes'],
  ] as const)
    expect(tool(code, provider).code).toBe(0);
  tokens.alice = addClient('alice', '--provider', 'gh');
  tokens.bob = addClient('bob', '--tool', 'mail-*');
  tokens.carol = addClient('carol');
  tokens.dave = addClient('dave', '--tool', 'getNote');
  tokens.root = addClient('root', '--admin', '--provider', 'mail');
  server = await startServer([], env);
});

afterAll(async () => {
  await server?.stop();
  await upstream.close();
});

async function clientFor(token: string, mode: 'legacy' | { pin: string }) {
  const client = new Client({ name: 'scoped', version: '1' }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  return { client, transport };
}

/** Waits until the running server has noticed a client the CLI just added (its change detection polls). */
async function known(token: string): Promise<void> {
  const initialize = () =>
    fetch(server.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
  await expect.poll(async () => (await initialize()).status, { timeout: 10_000 }).toBe(200);
}

const names = async (client: Client) => (await client.request({ method: 'tools/list', params: {} })).tools.map((t) => t.name);
const sent = (path: string) => upstream.requests.filter((r) => r.path === path).length;

/** The error a call gets, as text: a JSON-RPC error's message, or an isError result's text. */
async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  try {
    const result = await client.callTool({ name, arguments: args });
    return result.isError ? JSON.stringify(result.content) : 'no error';
  } catch (err) {
    return (err as Error).message;
  }
}

describe.each<['legacy' | { pin: string }, string]>([
  ['legacy', '2025-11-25'],
  [{ pin: MODERN }, MODERN],
])('scopes (%s)', (mode) => {
  it('a client scoped to a provider lists and calls only its tools; others are unknown tools, and nothing is sent', async () => {
    const { client } = await clientFor(tokens.alice!, mode);
    try {
      expect(await names(client)).toEqual(['gh-issues', 'gh-repos', 'toolwire_read_more']);
      const before = sent('/mail-send');
      const hidden = await callError(client, 'mail-send');
      const missing = await callError(client, 'no-such-tool');
      expect(hidden).toBe(missing.replace('no-such-tool', 'mail-send')); // the same answer as for a tool that does not exist
      expect(sent('/mail-send')).toBe(before);
      expect((await client.callTool({ name: 'gh-issues', arguments: {} })).isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('a client scoped by a tool glob sees the matching tools; an unscoped client sees them all', async () => {
    const bob = await clientFor(tokens.bob!, mode);
    const carol = await clientFor(tokens.carol!, mode);
    try {
      expect(await names(bob.client)).toEqual(['mail-send', 'toolwire_read_more']);
      expect(await names(carol.client)).toEqual([
        'gh-issues',
        'gh-repos',
        'mail-send',
        'notes__call_operation',
        'notes__describe_operation',
        'notes__search_operations',
        'toolwire_read_more',
      ]);
    } finally {
      await bob.client.close();
      await carol.client.close();
    }
  });

  it('meta mode offers only the operations in scope: search, describe and call know no other', async () => {
    const { client } = await clientFor(tokens.dave!, mode);
    try {
      expect(await names(client)).toEqual(['notes__call_operation', 'notes__describe_operation', 'notes__search_operations', 'toolwire_read_more']);
      const found = await client.callTool({ name: 'notes__search_operations', arguments: { query: 'note' } });
      expect((found.structuredContent as { operations: Array<{ code: string }> }).operations.map((o) => o.code)).toEqual(['getNote']);
      const described = await client.callTool({ name: 'notes__describe_operation', arguments: { code: 'deleteNote' } });
      expect(described.isError).toBe(true);
      const before = sent('/deleteNote');
      const called = await client.callTool({ name: 'notes__call_operation', arguments: { code: 'deleteNote', arguments: {} } });
      expect(called.isError).toBe(true);
      expect((called.content as Array<{ text: string }>)[0]!.text).toContain('No operation "deleteNote"');
      expect(sent('/deleteNote')).toBe(before);
      expect((await client.callTool({ name: 'notes__call_operation', arguments: { code: 'getNote', arguments: {} } })).isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});

describe('identities on the HTTP server', () => {
  it('a 2026-07-28 tools/list is private to its caller (cacheScope), so no shared cache hands it to another', async () => {
    const { client } = await clientFor(tokens.alice!, { pin: MODERN });
    try {
      expect(await client.request({ method: 'tools/list', params: {} })).toMatchObject({ cacheScope: 'private' });
    } finally {
      await client.close();
    }
  });

  it("a 2025-11-25 session is its opener's: another identity presenting its id is told it does not exist", async () => {
    const { client, transport } = await clientFor(tokens.alice!, 'legacy');
    try {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.carol}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': transport.sessionId!,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(res.status).toBe(404);
    } finally {
      await client.close();
    }
  });

  it('a client removed and added again under the same name does not inherit the sessions of its old token', async () => {
    const before = addClient('frank');
    await known(before);
    const { client, transport } = await clientFor(before, 'legacy');
    try {
      expect(await names(client)).toContain('mail-send');
      expect((await runCliAsync(['client', 'remove', 'frank'], env)).code).toBe(0);
      const after = addClient('frank', '--tool', 'gh-issues');
      const list = (token: string) =>
        fetch(server.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': transport.sessionId!,
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
        });
      await expect.poll(async () => (await list(after)).status, { timeout: 10_000 }).toBe(404);
    } finally {
      await client.close().catch(() => {});
    }
  });

  it('`client update` narrows a scope on the running server: the next list and call follow it, and open sessions end', async () => {
    const token = addClient('gina');
    await known(token);
    const legacy = await clientFor(token, 'legacy');
    const modern = await clientFor(token, { pin: MODERN });
    try {
      expect(await names(modern.client)).toContain('mail-send');
      const updated = await runCliAsync(['client', 'update', 'gina', '--provider', 'gh', '--tool', 'gh-issues'], env);
      expect(updated.code, updated.stderr).toBe(0);
      expect(JSON.parse(updated.stdout)).toMatchObject({ name: 'gina', providers: ['gh'], tools: ['gh-issues'] });
      await expect.poll(() => names(modern.client), { timeout: 10_000 }).toEqual(['gh-issues', 'toolwire_read_more']);
      const before = sent('/mail-send');
      expect(await callError(modern.client, 'mail-send')).toContain('mail-send');
      expect(sent('/mail-send')).toBe(before);
      // The 2025-11-25 session opened under the old scope is gone: its id is no longer known.
      const res = await fetch(server.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': legacy.transport.sessionId!,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
      });
      expect(res.status).toBe(404);
      // --no-tools: nothing at all.
      expect((await runCliAsync(['client', 'update', 'gina', '--no-tools'], env)).code).toBe(0);
      await expect.poll(() => names(modern.client), { timeout: 10_000 }).toEqual([]);
    } finally {
      await legacy.client.close().catch(() => {});
      await modern.client.close();
    }
  });

  it('reaches /admin with the owner token or an --admin client; another client gets 403, an unknown token 401', async () => {
    const admin = (token: string) => fetch(server.url.replace(/\/mcp$/, '/admin/providers'), { headers: { authorization: `Bearer ${token}` } });
    expect((await admin(server.token)).status).toBe(200);
    expect((await admin(tokens.root!)).status).toBe(200);
    const refused = await admin(tokens.alice!);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('no admin rights');
    expect((await admin('twc_not-a-real-token')).status).toBe(401);
  });

  it('a rotated or removed client token stops working on the running server', async () => {
    const token = addClient('erin');
    const list = (t: string) =>
      fetch(server.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
        }),
      });
    await expect.poll(async () => (await list(token)).status, { timeout: 10_000 }).toBe(200);
    const rotated = await runCliAsync(['client', 'rotate', 'erin'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = rotated.stdout.trim();
    await expect.poll(async () => (await list(token)).status, { timeout: 10_000 }).toBe(401);
    expect((await list(fresh)).status).toBe(200);
    expect((await runCliAsync(['client', 'remove', 'erin'], env)).code).toBe(0);
    await expect.poll(async () => (await list(fresh)).status, { timeout: 10_000 }).toBe(401);
  });
});
