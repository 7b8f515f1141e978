import { afterAll, beforeAll, expect, it } from 'vitest';
import { federatedApp, listeningClient, POLL, type FederatedApp } from '../federation/harness.js';
import { startMcpUpstream, type McpUpstream } from '../federation/upstream-mcp.js';

/** Tools of an upstream MCP server (SPEC §9) go through the same observer: audited and counted like HTTP tools. */
const API_KEY = 'fed-ops-key-3e5a7c9b1d';
let upstream: McpUpstream;
let fed: FederatedApp;

beforeAll(async () => {
  upstream = await startMcpUpstream([API_KEY]);
});

afterAll(async () => {
  await fed?.app.close();
  await upstream.stop();
});

it('audits forwarded calls with their outcome and sizes, and an unreachable server as upstream_error', async () => {
  fed = await federatedApp();
  const { client } = await listeningClient(fed.app);
  await fed.app.catalog.createProvider({ name: 'Upstream', code: 'up', kind: 'mcp', url: upstream.url, apiKeyValue: API_KEY });
  await expect.poll(async () => (await client.listTools()).tools.map((t) => t.name), POLL).toContain('up__multiply');

  expect((await client.callTool({ name: 'up__multiply', arguments: { x: 6, y: 7 } })).isError).toBeFalsy();
  expect((await client.callTool({ name: 'up__fail', arguments: {} })).isError).toBe(true);
  await upstream.stop();
  await expect.poll(async () => (await client.callTool({ name: 'up__multiply', arguments: { x: 1, y: 1 } })).isError, POLL).toBe(true);
  await upstream.restart();

  await fed.app.ops.audit!.flush();
  const entries = (await fed.app.catalog.audit.page({ tool: 'up__multiply', limit: 1000 })).entries.reverse();
  expect(entries[0]).toMatchObject({ kind: 'call', provider: 'up', outcome: 'ok', status: null, bytesOut: JSON.stringify({ x: 6, y: 7 }).length });
  expect((entries[0] as { bytesIn: number }).bytesIn).toBeGreaterThan(0);
  expect(entries.at(-1)).toMatchObject({ outcome: 'upstream_error' });
  expect((await fed.app.catalog.audit.page({ tool: 'up__fail' })).entries[0]).toMatchObject({ outcome: 'tool_error' });
});
