import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { initialize, raw } from './inbound-harness.js';

/**
 * Low (issue 10): open sessions are capped (TOOLWIRE_MAX_SESSIONS). Before, every initialize made a
 * session that lived for 30 idle minutes, so a client looping on initialize grew memory without bound.
 */
let server: InProcessServer;
let upstream: Upstream;
/** Answers to /slow wait here until the test lets them go. */
const held: Array<() => void> = [];

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path }));
    if (req.path === '/slow') held.push(answer);
    else answer();
  });
  server = await startInProcess(testEnv(tempDir(), { TOOLWIRE_MAX_SESSIONS: '2' }));
  await server.app.catalog.createProvider({ name: 'Up', code: 'up', baseUrl: upstream.url });
  await server.app.catalog.createTool({ name: 'Slow', code: 'up-slow', providerCode: 'up', endpointPath: '/slow' });
});
afterAll(async () => {
  for (const release of held.splice(0)) release();
  await server.close();
  await upstream.close();
});

const auth = () => ({ authorization: `Bearer ${server.token}` });
async function open(): Promise<string> {
  const res = await raw(server.url, { body: initialize, headers: auth() });
  expect(res.status).toBe(200);
  const id = res.headers['mcp-session-id'];
  expect(typeof id).toBe('string');
  return id as string;
}
const inSession = (id: string, body: unknown) => raw(server.url, { body, headers: { ...auth(), 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' } });
const list = (id: string) => inSession(id, { jsonrpc: '2.0', id: 2, method: 'tools/list' });

describe('Low: TOOLWIRE_MAX_SESSIONS', () => {
  it('closes the oldest idle session to make room for a new one', async () => {
    const first = await open();
    const second = await open();
    expect((await list(second)).status).toBe(200); // the second was used last: the first is the oldest idle one
    const third = await open();
    expect((await list(first)).status).toBe(404);
    expect((await list(second)).status).toBe(200);
    expect((await list(third)).status).toBe(200);
  });

  it('answers 503 with Retry-After and a JSON-RPC error when every session is busy', async () => {
    const a = await open();
    const b = await open();
    const call = (id: string) => inSession(id, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'up-slow', arguments: {} } });
    const pending = [call(a), call(b)];
    await expect.poll(() => held.length, { timeout: 10_000 }).toBe(2);
    const refused = await raw(server.url, { body: initialize, headers: auth() });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: expect.any(Number) } });
    expect(refused.json.error.message).toMatch(/TOOLWIRE_MAX_SESSIONS/);
    for (const release of held.splice(0)) release();
    for (const res of await Promise.all(pending)) expect(res.status).toBe(200);
    // Once a session is idle again it can make room.
    await open();
  });
});
