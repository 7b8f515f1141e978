import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createMcpServer } from '../../src/inbound/mcp/server.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { testEnv } from '../helpers/app.js';

// Issue 11: with 2,000 idle sessions each admin write cost 75 ms instead of 3 ms, because the write
// itself sent every session its notifications/tools/list_changed. The write must do no per-session
// work: the notifications go out after it returned, once for several quick writes.

const SESSIONS = 300;
const POLL = { timeout: 20_000, interval: 20 };

interface Session {
  client: Client;
  /** list_changed messages that reached this client's transport (counted as they arrive, synchronously). */
  arrived: number;
  /** list_changed notifications the SDK Client handled. */
  handled: number;
}

let app: App;
let sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.map((s) => s.client.close()));
  sessions = [];
  await app?.close();
});

/** A real SDK Client on its own MCP server (one per session, as the HTTP endpoint makes them). */
async function openSession(): Promise<Session> {
  const server = createMcpServer(app.registry, { pageSize: app.config.pageSize });
  const client = new Client({ name: 'idle', version: '1' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  const session: Session = { client, arrived: 0, handled: 0 };
  const deliver = clientSide.onmessage!;
  clientSide.onmessage = (message, extra) => {
    if ('method' in message && message.method === 'notifications/tools/list_changed') session.arrived++;
    deliver(message, extra);
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    session.handled++;
  });
  return session;
}

const tool = (i: number) => ({ name: `T${i}`, code: `t${i}`, providerCode: 'p', endpointPath: `/t/${i}`, httpMethod: 'GET' as const });
const total = (key: 'arrived' | 'handled') => sessions.reduce((sum, s) => sum + s[key], 0);

describe(`${SESSIONS} idle sessions and an admin write`, () => {
  it('the write returns before any session is sent list_changed; then every session gets it, and sees the new tool', async () => {
    app = await createApp(loadConfig(testEnv()));
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    await app.registry.load(); // the first snapshot, with the provider
    for (let i = 0; i < SESSIONS; i++) sessions.push(await openSession());

    await app.catalog.createTool(tool(1));
    // Counted right after the write returned, before anything else could run: no per-session work in it.
    expect(total('arrived')).toBe(0);
    // The snapshot itself was swapped by the write: a tools/list right now has the tool.
    expect(app.registry.current().entries.has('t1')).toBe(true);

    await expect.poll(() => sessions.filter((s) => s.handled === 1).length, POLL).toBe(SESSIONS);
    expect(total('arrived')).toBe(SESSIONS);
    const listed = await sessions[SESSIONS - 1]!.client.listTools();
    expect(listed.tools.map((t) => t.name)).toEqual(['t1', 'toolwire_read_more']);
  });

  it('several quick writes are told in fewer notifications than writes, and at least one reaches every session', async () => {
    app = await createApp(loadConfig(testEnv()));
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    await app.registry.load(); // the first snapshot, with the provider
    for (let i = 0; i < SESSIONS; i++) sessions.push(await openSession());

    const WRITES = 5;
    for (let i = 0; i < WRITES; i++) {
      await app.catalog.createTool(tool(i));
      await Promise.resolve(); // a caller awaiting between writes, as the admin API does
    }
    expect(total('arrived')).toBe(0);
    await expect.poll(() => sessions.every((s) => s.handled >= 1), POLL).toBe(true);
    // Whatever was still on its way lands before the counts are read.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const s of sessions) {
      expect(s.handled).toBeGreaterThanOrEqual(1);
      expect(s.handled).toBeLessThan(WRITES);
    }
    const listed = await sessions[0]!.client.listTools();
    expect(listed.tools.map((t) => t.name).sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 'toolwire_read_more']);
  });

  it('a write after the notifications went out is told again (nothing is swallowed by the coalescing)', async () => {
    app = await createApp(loadConfig(testEnv()));
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    await app.registry.load(); // the first snapshot, with the provider
    for (let i = 0; i < 20; i++) sessions.push(await openSession());
    await app.catalog.createTool(tool(1));
    await expect.poll(() => sessions.every((s) => s.handled === 1), POLL).toBe(true);
    await app.catalog.createTool(tool(2));
    await expect.poll(() => sessions.every((s) => s.handled === 2), POLL).toBe(true);
  });
});
