import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { clientFor, MODES } from './harness.js';

/**
 * Traces (SPEC §12): with OTEL_EXPORTER_OTLP_ENDPOINT set, each tool call is a SERVER span following the
 * OpenTelemetry MCP conventions, with a CLIENT child for its upstream request, continuing the caller's
 * trace; received here by a local OTLP/HTTP receiver (node:http) that keeps what it was sent.
 */
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status?: { code?: number };
}

const SERVER = 2;
const CLIENT = 3;
const received: Span[] = [];
const paths: string[] = [];
let receiver: Server;
let receiverUrl = '';
let upstream: Upstream;
let server: InProcessServer;

const attr = (span: Span, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : (Object.values(value)[0] as unknown);
};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) received.push(...(ss.spans ?? []));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  upstream = await startUpstream((req, res) => {
    if (req.path === '/missing') return void res.writeHead(404).end('{}');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server = await startInProcess(testEnv(tempDir(), { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl }));
  await server.app.ops.ready;
  await server.app.catalog.createProvider({ name: 'T', code: 't', baseUrl: upstream.url });
  await server.app.catalog.createTool({ name: 'ok', code: 't-ok', providerCode: 't', endpointPath: '/ok' });
  await server.app.catalog.createTool({ name: 'missing', code: 't-missing', providerCode: 't', endpointPath: '/missing' });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const CALLER_TRACE = ['4bf92f3577b34da6a3ce929d0e0e4736', 'f1e2d3c4b5a69788'];

describe('with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports a span per call and its upstream request, continuing the caller’s trace (both revisions)', async () => {
    for (const [mode] of MODES) {
      const client = await clientFor(server.url, server.token, mode);
      try {
        const traceparent = `00-${CALLER_TRACE[0]}-${CALLER_TRACE[1]}-01`;
        await client.callTool({ name: 't-ok', arguments: {}, _meta: { traceparent } });
        await client.callTool({ name: 't-missing', arguments: {} });
      } finally {
        await client.close();
      }
    }
    const sentTraceparents = upstream.requests.filter((r) => r.path === '/ok').map((r) => r.headers.traceparent as string);
    await server.close(); // flushes the batch
    server = undefined as unknown as InProcessServer;
    expect(paths.every((p) => p === '/v1/traces')).toBe(true);

    const calls = received.filter((s) => s.name === 'tools/call t-ok');
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.kind).toBe(SERVER);
      expect(call.traceId).toBe(CALLER_TRACE[0]);
      expect(call.parentSpanId).toBe(CALLER_TRACE[1]);
      expect(attr(call, 'mcp.method.name')).toBe('tools/call');
      expect(attr(call, 'gen_ai.operation.name')).toBe('execute_tool');
      expect(attr(call, 'gen_ai.tool.name')).toBe('t-ok');
      expect(attr(call, 'toolwire.provider')).toBe('t');
      expect(attr(call, 'error.type')).toBeUndefined();
      const child = received.find((s) => s.parentSpanId === call.spanId);
      expect(child).toBeDefined();
      expect(child!.kind).toBe(CLIENT);
      expect(child!.name).toBe('GET');
      expect(child!.traceId).toBe(CALLER_TRACE[0]);
      expect(attr(child!, 'http.request.method')).toBe('GET');
      expect(attr(child!, 'url.full')).toBe(`${upstream.url}/ok`);
      expect(Number(attr(child!, 'http.response.status_code'))).toBe(200);
      // The API got the child span's context: its trace joins the agent's at the right place.
      expect(sentTraceparents).toContain(`00-${CALLER_TRACE[0]}-${child!.spanId}-01`);
    }
    const failed = received.filter((s) => s.name === 'tools/call t-missing');
    expect(failed).toHaveLength(2);
    for (const span of failed) {
      expect(span.parentSpanId ?? '').toBe(''); // no caller context: a new trace
      expect(attr(span, 'error.type')).toBe('tool_error');
      expect(span.status?.code).toBe(2); // ERROR
      const child = received.find((s) => s.parentSpanId === span.spanId);
      expect(Number(attr(child!, 'http.response.status_code'))).toBe(404);
    }
  });
});

describe('without it', () => {
  /** Loads the built app in a fresh Node with a module-resolution hook that reports every @opentelemetry module resolved. */
  function openTelemetryModulesLoaded(extra: Record<string, string>): number {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.includes('@opentelemetry')) port.postMessage(result.url);
  return result;
}`,
    );
    writeFileSync(
      join(dir, 'run.mjs'),
      `import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on('message', (url) => seen.push(url));
port1.unref();
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
const { createApp } = await import(process.argv[2]);
const { loadConfig } = await import(process.argv[3]);
const app = await createApp(loadConfig(process.env));
await app.ops.ready;
await app.close();
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(String(seen.length));`,
    );
    const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
    const run = spawnSync(process.execPath, [join(dir, 'run.mjs'), join(dist, 'app.js'), join(dist, 'config.js')], {
      env: { PATH: process.env.PATH ?? '', ...testEnv(dir), ...extra },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    return Number(run.stdout);
  }

  it('loads no OpenTelemetry module at all (and does with an endpoint, so the check can tell)', () => {
    expect(openTelemetryModulesLoaded({})).toBe(0);
    expect(openTelemetryModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toBeGreaterThan(0);
  });
});
