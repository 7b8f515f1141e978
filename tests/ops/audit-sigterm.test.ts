import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { clientFor } from './harness.js';

/**
 * "Nothing lost on SIGTERM" (SPEC §12): the built server, under load from several clients, is stopped with
 * SIGTERM; every call it served is in the audit log afterwards — the queue is written on the way out.
 */
const env = testEnv(tempDir());
let upstream: Upstream;
let server: RunningServer;

beforeAll(async () => {
  // A slow-ish API, so calls are in flight when the signal comes.
  upstream = await startUpstream((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 20);
  });
  expect(runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'Load', code: 'load', baseUrl: upstream.url })).code).toBe(0);
  expect(runCli(['tool', 'add', '-'], env, JSON.stringify({ name: 'hit', code: 'load-hit', providerCode: 'load', endpointPath: '/hit' })).code).toBe(0);
  server = await startServer([], env);
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  await upstream?.close();
});

it('writes every served call to the audit log when stopped with SIGTERM under load', async () => {
  const clients = await Promise.all(Array.from({ length: 8 }, () => clientFor(server.url, server.token, { pin: '2026-07-28' })));
  let answered = 0;
  let stopping = false;
  const loops = clients.map(async (client) => {
    while (!stopping || answered < 1) {
      try {
        const result = await client.callTool({ name: 'load-hit', arguments: {} });
        if (!result.isError) answered++;
      } catch {
        return; // the server stopped taking requests
      }
    }
  });
  // Let the load run until plenty of calls were served, then stop the server while calls are in flight.
  while (answered < 200) await new Promise((resolve) => setTimeout(resolve, 10));
  stopping = true;
  const code = await server.stop('SIGTERM');
  await Promise.all(loops);
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  expect(code).toBe(0);

  const audit = await runCliAsync(['audit', '--tool', 'load-hit', '--limit', '1000', '--json'], env);
  expect(audit.code, audit.stderr).toBe(0);
  const entries = JSON.parse(audit.stdout).entries as Array<{ outcome: string }>;
  // One entry per request the API got, and every call a client saw succeed is among them.
  expect(entries.length).toBe(upstream.requests.length);
  expect(entries.filter((e) => e.outcome === 'ok').length).toBeGreaterThanOrEqual(answered);
  expect(answered).toBeGreaterThanOrEqual(200);
});

it('after kill -9 keeps every call older than its write interval (200 ms): only the last fraction of a second can be lost', async () => {
  const killed = await startServer([], env);
  const client = await clientFor(killed.url, killed.token, { pin: '2026-07-28' });
  const before = upstream.requests.length;
  for (let i = 0; i < 50; i++) expect((await client.callTool({ name: 'load-hit', arguments: {} })).isError).toBeFalsy();
  // Well past the queue's write interval (generous: the machine may be busy), then no chance to flush.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await killed.stop('SIGKILL');
  await client.close().catch(() => {});
  const audit = await runCliAsync(['audit', '--tool', 'load-hit', '--limit', '1000', '--json'], env);
  expect(audit.code, audit.stderr).toBe(0);
  const entries = JSON.parse(audit.stdout).entries as unknown[];
  expect(upstream.requests.length - before).toBe(50);
  expect(entries.length).toBe(upstream.requests.length);
});
