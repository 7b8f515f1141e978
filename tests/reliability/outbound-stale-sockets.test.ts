import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { connect, makeApp, textOf } from '../helpers/app.js';

// Issue 11: an API that closes idle keep-alive connections shortly after answering. A request written
// on such a connection just as the API closes it is reset by the API's side without being read: it
// never reached the API, so it is sent again on another connection, POST or not — and a request that
// did reach the API is never sent twice.

interface IdleClosingApi {
  url: string;
  /** Every request body received, in order. */
  received: string[];
  close(): Promise<void>;
}

/**
 * A node:http API that closes each connection `idleMs` after answering unless another request has
 * arrived on it by then (an idle timeout, as servers and load balancers have), without announcing it
 * in a Keep-Alive header. `mode` chooses how it closes: `destroy` (the kernel resets what arrives
 * afterwards) or `end` (a half-close: requests arriving later are still read and processed).
 */
async function startIdleClosingApi(idleMs: number, mode: 'destroy' | 'end' = 'destroy'): Promise<IdleClosingApi> {
  const received: string[] = [];
  const timers = new Map<Socket, NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const socket = req.socket;
    clearTimeout(timers.get(socket));
    timers.delete(socket);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body }), () => {
        timers.set(
          socket,
          setTimeout(() => {
            timers.delete(socket);
            if (mode === 'destroy') socket.destroy();
            else socket.end();
          }, idleMs),
        );
      });
    });
  });
  server.keepAliveTimeout = 60_000; // only the idle timer above closes connections
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers.values()) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let api: IdleClosingApi;
let halfClosing: IdleClosingApi;
let app: App;
let client: Client;

beforeAll(async () => {
  api = await startIdleClosingApi(10);
  halfClosing = await startIdleClosingApi(10, 'end');
  app = await makeApp({ TOOLWIRE_TIMEOUT_MS: '10000' });
  await app.catalog.createProvider({ name: 'Idle', code: 'idle', baseUrl: api.url });
  await app.catalog.createTool({
    name: 'Create',
    code: 'create',
    providerCode: 'idle',
    endpointPath: '/items',
    httpMethod: 'POST',
    parameters: [{ name: 'n', type: 'STRING', required: true }],
  });
  await app.catalog.createProvider({ name: 'Half', code: 'half', baseUrl: halfClosing.url });
  await app.catalog.createTool({
    name: 'Create',
    code: 'half-create',
    providerCode: 'half',
    endpointPath: '/items',
    httpMethod: 'POST',
    parameters: [{ name: 'n', type: 'STRING', required: true }],
  });
  client = await connect(app);
});

afterAll(async () => {
  await client?.close();
  await app?.close();
  await api?.close();
  await halfClosing?.close();
});

/** Calls `tool` once per id, `concurrency` at a time, pausing around the API's idle timeout between calls. */
async function postAll(tool: string, ids: string[], concurrency: number) {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const n = ids[next++] as string;
        const result = await client.callTool({ name: tool, arguments: { n } });
        if (result.isError) failures.push(`${n}: ${textOf(result)}`);
        await pause(6 + Math.random() * 8);
      }
    }),
  );
  return failures;
}

function countsOf(received: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const body of received) {
    const n = (JSON.parse(body) as { n: string }).n;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

describe('kept-alive connections the API closed', () => {
  it('sequential and concurrent POSTs all succeed, and the API receives each exactly once', async () => {
    const sequential = Array.from({ length: 300 }, (_, i) => `s${i}`);
    const concurrent = Array.from({ length: 400 }, (_, i) => `c${i}`);
    const failures = [...(await postAll('create', sequential, 1)), ...(await postAll('create', concurrent, 8))];
    expect(failures).toEqual([]);
    const counts = countsOf(api.received);
    expect(counts.size).toBe(sequential.length + concurrent.length);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
  }, 120_000);

  it('a POST whose connection closed after the API read it is not sent again, and the message says it may have been processed', async () => {
    // A half-closing API reads requests that arrive after its FIN: those were processed, so a clean
    // close before the answer is never taken as "did not arrive".
    const ids = Array.from({ length: 300 }, (_, i) => `h${i}`);
    const failures = await postAll('half-create', ids, 1);
    const counts = countsOf(halfClosing.received);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(counts.size).toBe(ids.length);
    for (const failure of failures) expect(failure).toMatch(/closed before it answered .*may have been processed/);
  }, 120_000);
});
