import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, runCli, runCliAsync } from './helpers/cli.js';
import { tempDir, testEnv } from './helpers/app.js';
import { startServer, type RunningServer } from './helpers/http-server.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/**
 * MCP 2026-07-28 beside 2025-11-25 (SPEC §10), as real v2 SDK clients see it: pinned to each
 * revision and in auto mode, over Streamable HTTP (sessions and --stateless) and stdio, plus the
 * raw wire answers a client relies on.
 */
const MODERN = '2026-07-28';
const env = testEnv(tempDir());
let upstream: Upstream;
/** When the upstream saw each /hold request's socket close (the client's cancel reaching it). */
const holdClosed: number[] = [];
let sessions: RunningServer;
let stateless: RunningServer;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.path === '/hold') {
      res.on('close', () => holdClosed.push(Date.now()));
      return; // never answers: only a cancel ends it
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path, method: req.method }));
  });
  runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'Echo', code: 'echo', baseUrl: upstream.url }));
  runCli(['tool', 'add', '-'], env, JSON.stringify({ name: 'Ping', code: 'ping', providerCode: 'echo', endpointPath: '/ping' }));
  runCli(['tool', 'add', '-'], env, JSON.stringify({ name: 'Hold', code: 'hold', providerCode: 'echo', endpointPath: '/hold', httpMethod: 'POST' }));
  runCli(
    ['tool', 'add', '-'],
    env,
    JSON.stringify({
      name: 'Regional',
      code: 'regional',
      providerCode: 'echo',
      endpointPath: '/regional',
      parameters: [{ name: 'region', type: 'STRING', location: 'QUERY', mcpHeader: 'Region' }],
    }),
  );
  [sessions, stateless] = await Promise.all([startServer([], env), startServer(['--stateless'], env)]);
});

afterAll(async () => {
  await Promise.all([sessions?.stop(), stateless?.stop()]);
  await upstream.close();
});

type Mode = 'legacy' | 'auto' | { pin: string };

async function httpClient(server: RunningServer, mode: Mode) {
  const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${server.token}` } } });
  await client.connect(transport);
  return { client, transport };
}

/** The `_meta` envelope a raw 2026-07-28 request carries. */
const meta = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const textOf = (result: { content?: unknown }) => (result.content as Array<{ text: string }>)[0]!.text;

/**
 * Calls `hold` (the API never answers it), waits until the API has the request, cancels the call,
 * and waits for the API to see its request closed. Generous waits: the SDK and the machine may be
 * slow; without the cancel the request would stay open forever.
 */
async function expectCancelClosesUpstream(client: Client): Promise<void> {
  const seen = holdClosed.length;
  const held = () => upstream.requests.filter((r) => r.path === '/hold').length;
  const before = held();
  const controller = new AbortController();
  const call = client.callTool({ name: 'hold', arguments: {} }, { signal: controller.signal }).catch((err: unknown) => err);
  await expect.poll(held, { timeout: 10_000 }).toBe(before + 1);
  controller.abort();
  await call;
  await expect.poll(() => holdClosed.length, { timeout: 10_000 }).toBe(seen + 1);
}

/** A change made by another process (the CLI), as an admin would make it. */
let added = 0;
async function addToolFromCli(): Promise<string> {
  const code = `added-${++added}`;
  const done = await runCliAsync(['tool', 'add', '-'], env, JSON.stringify({ name: code, code, providerCode: 'echo', endpointPath: `/${code}` }));
  expect(done.code, done.stderr).toBe(0);
  return code;
}

describe.each([
  ['sessions', () => sessions],
  ['--stateless', () => stateless],
])('Streamable HTTP (%s)', (_label, server) => {
  it('serves a client pinned to 2026-07-28: no session, list with cache hints in a stable order, call reaching the API', async () => {
    const { client, transport } = await httpClient(server(), { pin: MODERN });
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
      expect(transport.sessionId).toBeUndefined();
      expect(client.getDiscoverResult()?.supportedVersions).toEqual(expect.arrayContaining([MODERN, '2025-11-25']));
      const listed = await client.listTools();
      const names = listed.tools.map((t) => t.name);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['ping', 'hold']));
      expect(listed).toMatchObject({ ttlMs: expect.any(Number), cacheScope: 'public' });
      const before = upstream.requests.length;
      const result = await client.callTool({ name: 'ping', arguments: {} });
      expect(result.isError).toBeFalsy();
      expect(JSON.parse(textOf(result))).toEqual({ path: '/ping', method: 'GET' });
      expect(upstream.requests.length).toBe(before + 1);
    } finally {
      await client.close();
    }
  });

  it('ends on 2026-07-28 in auto mode, and still serves a 2025-11-25 client on the same URL', async () => {
    const auto = await httpClient(server(), 'auto');
    const legacy = await httpClient(server(), 'legacy');
    try {
      expect(auto.client.getNegotiatedProtocolVersion()).toBe(MODERN);
      expect(legacy.client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      for (const client of [auto.client, legacy.client]) expect(JSON.parse(textOf(await client.callTool({ name: 'ping', arguments: {} }))).path).toBe('/ping');
    } finally {
      await auto.client.close();
      await legacy.client.close();
    }
  });

  it('delivers list_changed through subscriptions/listen when another process changes the registry, and the next list shows it', async () => {
    const { client } = await httpClient(server(), { pin: MODERN });
    let changes = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changes++;
    });
    const subscription = await client.listen({ toolsListChanged: true });
    try {
      const code = await addToolFromCli();
      await expect.poll(() => changes, { timeout: 10_000 }).toBeGreaterThan(0);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain(code);
    } finally {
      await subscription.close();
      await client.close();
    }
  });

  it('aborts the upstream request when a 2026-07-28 client cancels the call', async () => {
    const { client } = await httpClient(server(), { pin: MODERN });
    try {
      await expectCancelClosesUpstream(client);
    } finally {
      await client.close();
    }
  });
});

describe('two instances on one database', () => {
  it('answer alternate requests of one 2026-07-28 client, and both see a change made by another process', async () => {
    // `sessions` and `stateless` are two processes on the same database: a client's requests alternate between them.
    const ports = [new URL(sessions.url).port, new URL(stateless.url).port];
    const served: string[] = [];
    let turn = 0;
    const alternate = (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : input);
      url.port = ports[turn++ % 2]!;
      served.push(url.port);
      return fetch(url, init);
    };
    const client = new Client({ name: 'balanced', version: '1' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(sessions.url), { fetch: alternate, requestInit: { headers: { Authorization: `Bearer ${sessions.token}` } } }),
    );
    try {
      const code = await addToolFromCli();
      for (let i = 0; i < 4; i++) {
        // `refresh`: past the client's own cache (the list's ttlMs), so each instance's answer is what is read.
        await expect
          .poll(async () => (await client.listTools(undefined, { cacheMode: 'refresh' })).tools.map((t) => t.name), { timeout: 10_000 })
          .toContain(code);
        expect(JSON.parse(textOf(await client.callTool({ name: 'ping', arguments: {} }))).path).toBe('/ping');
      }
      expect(new Set(served)).toEqual(new Set(ports));
    } finally {
      await client.close();
    }
  });
});

describe('Streamable HTTP, 2025-11-25 sessions', () => {
  it('aborts the upstream request when a 2025-11-25 client cancels (notifications/cancelled)', async () => {
    const { client } = await httpClient(sessions, 'legacy');
    try {
      await expectCancelClosesUpstream(client);
    } finally {
      await client.close();
    }
  });

  it('--stateless no longer promises list_changed to 2025-11-25 clients (it has no stream to send it on)', async () => {
    const legacy = await httpClient(stateless, 'legacy');
    const modern = await httpClient(stateless, { pin: MODERN });
    try {
      expect(legacy.client.getServerCapabilities()?.tools?.listChanged).toBe(false);
      expect(modern.client.getServerCapabilities()?.tools?.listChanged).toBe(true);
    } finally {
      await legacy.client.close();
      await modern.client.close();
    }
  });
});

describe('the 2026-07-28 wire', () => {
  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(sessions.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sessions.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': String(body.method),
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...body }),
    });

  it('server/discover lists both revisions, with serverInfo and resultType on the result', async () => {
    const res = await post({ id: 1, method: 'server/discover', params: { _meta: meta } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: Record<string, unknown> };
    expect(body.result).toMatchObject({
      supportedVersions: expect.arrayContaining([MODERN, '2025-11-25']),
      resultType: 'complete',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'toolwire' } },
    });
  });

  it('a fast-path tools/call answers with resultType and serverInfo, like the SDK', async () => {
    const res = await post({ id: 'c1', method: 'tools/call', params: { name: 'ping', arguments: {}, _meta: meta } }, { 'mcp-name': 'ping' });
    const body = (await res.json()) as { id: string; result: Record<string, unknown> };
    expect(body.id).toBe('c1');
    expect(body.result).toMatchObject({ resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'toolwire' } } });
  });

  it('refuses a request missing its _meta keys with -32602 and its own id', async () => {
    const res = await post({ id: 7, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ id: 7, error: { code: -32602 } });
  });

  it('refuses an unsupported version with -32022 naming the supported ones', async () => {
    const res = await post(
      { id: 8, method: 'tools/list', params: { _meta: { ...meta, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } },
      { 'mcp-protocol-version': '2099-01-01' },
    );
    const body = (await res.json()) as { error: { code: number; data: { supported: string[] } } };
    expect(body.error.code).toBe(-32022);
    expect(body.error.data.supported).toContain(MODERN);
  });

  it('refuses an Mcp-Method or Mcp-Name header that does not match the body: HTTP 400, -32020', async () => {
    const method = await post({ id: 9, method: 'tools/list', params: { _meta: meta } }, { 'mcp-method': 'tools/call' });
    expect(method.status).toBe(400);
    expect(await method.json()).toMatchObject({ error: { code: -32020 } });
    const name = await post({ id: 10, method: 'tools/call', params: { name: 'ping', arguments: {}, _meta: meta } }, { 'mcp-name': 'hold' });
    expect(name.status).toBe(400);
    expect(await name.json()).toMatchObject({ error: { code: -32020 } });
    expect(upstream.requests.some((r) => r.path === '/hold' && r.method === 'GET')).toBe(false);
  });

  it.each(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe'])('answers %s, removed in 2026-07-28, with -32601 and HTTP 404', async (method) => {
    const res = await post({ id: 11, method, params: { _meta: meta } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ id: 11, error: { code: -32601 } });
  });
});

describe('mcpHeader (SEP-2243)', () => {
  const call = (headers: Record<string, string>) =>
    fetch(sessions.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sessions.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'regional',
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'regional', arguments: { region: 'eu-west' }, _meta: meta } }),
    });
  const regionalCalls = () => upstream.requests.filter((r) => r.path === '/regional').length;

  it('lists the parameter with x-mcp-header, and a pinned v2 client mirrors it so the call goes through', async () => {
    const { client } = await httpClient(sessions, { pin: MODERN });
    try {
      const tool = (await client.listTools()).tools.find((t) => t.name === 'regional')!;
      expect(tool.inputSchema.properties?.region).toMatchObject({ type: 'string', 'x-mcp-header': 'Region' });
      const before = regionalCalls();
      const result = await client.callTool({ name: 'regional', arguments: { region: 'eu-west' } });
      expect(result.isError).toBeFalsy();
      expect(regionalCalls()).toBe(before + 1);
      expect(upstream.requests.at(-1)!.query.get('region')).toBe('eu-west');
    } finally {
      await client.close();
    }
  });

  it('refuses a call whose Mcp-Param header is missing or disagrees with the argument (400, -32020), sending nothing', async () => {
    const before = regionalCalls();
    for (const headers of [{}, { 'mcp-param-region': 'us-east' }]) {
      const res = await call(headers);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ id: 1, error: { code: -32020 } });
    }
    const ok = await call({ 'mcp-param-region': 'eu-west' });
    expect(ok.status).toBe(200);
    expect(regionalCalls()).toBe(before + 1);
  });

  it('refuses, when the tool is written, an mcpHeader that names a credential or sits on an object argument', () => {
    const bad = (parameter: Record<string, unknown>) =>
      runCli(['tool', 'add', '-'], env, JSON.stringify({ name: 'Bad', code: 'bad-header', providerCode: 'echo', endpointPath: '/b', parameters: [parameter] }));
    const credential = bad({ name: 'token', type: 'STRING', mcpHeader: 'Authorization' });
    expect(credential.code).not.toBe(0);
    expect(credential.stderr).toMatch(/parameters\[0\]\.mcpHeader/);
    const object = bad({ name: 'filter', type: 'OBJECT', mcpHeader: 'Filter' });
    expect(object.code).not.toBe(0);
    expect(object.stderr).toMatch(/only allowed on a STRING, NUMBER, INTEGER or BOOLEAN parameter/);
    expect(runCli(['tool', 'show', 'bad-header'], env).code).not.toBe(0);
  });
});

describe('W3C trace context', () => {
  const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const traceOf = (path: string) => {
    const seen = upstream.requests.filter((r) => r.path === path).at(-1)!;
    return { traceparent: seen.headers.traceparent as string | undefined, tracestate: seen.headers.tracestate as string | undefined };
  };
  const expectChild = (traceparent: string | undefined) => {
    expect(traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(traceparent).not.toBe(PARENT); // a span of our own, under the caller's
  };

  it('passes the _meta traceparent/tracestate of a 2026-07-28 call on to the API as a child span (fast path and SDK path)', async () => {
    const { client } = await httpClient(sessions, { pin: MODERN });
    try {
      await client.callTool({ name: 'ping', arguments: {}, _meta: { traceparent: PARENT, tracestate: 'vendor=abc' } });
      expectChild(traceOf('/ping').traceparent);
      expect(traceOf('/ping').tracestate).toBe('vendor=abc');
      // regional declares an mcpHeader, so its calls go through the SDK's handler, not the fast path.
      await client.callTool({ name: 'regional', arguments: { region: 'eu' }, _meta: { traceparent: PARENT } });
      expectChild(traceOf('/regional').traceparent);
    } finally {
      await client.close();
    }
  });

  it('takes the HTTP traceparent header of a 2025-11-25 call, and drops a malformed one', async () => {
    const { client } = await httpClient(stateless, 'legacy');
    await client.close();
    const call = (traceparent: string) =>
      fetch(stateless.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stateless.token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          traceparent,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ping', arguments: {} } }),
      });
    expect((await call(PARENT)).status).toBe(200);
    expectChild(traceOf('/ping').traceparent);
    expect((await call('00-not-a-trace-01')).status).toBe(200);
    expect(traceOf('/ping').traceparent).toBeUndefined();
  });
});

describe('stdio', () => {
  const spawnClient = async (mode: Mode, extra: Record<string, string> = {}) => {
    const client = new Client({ name: 'stdio-test', version: '1' }, { versionNegotiation: { mode } });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve'],
      env: { PATH: process.env.PATH ?? '', ...env, ...extra },
      stderr: 'pipe',
    });
    await client.connect(transport);
    return client;
  };

  it('serves a client pinned to 2026-07-28: list, call, list_changed through subscriptions/listen after a CLI change', async () => {
    const client = await spawnClient({ pin: MODERN });
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
      expect(JSON.parse(textOf(await client.callTool({ name: 'ping', arguments: {} }))).path).toBe('/ping');
      let changes = 0;
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        changes++;
      });
      const subscription = await client.listen({ toolsListChanged: true });
      const code = await addToolFromCli();
      await expect.poll(() => changes, { timeout: 10_000 }).toBeGreaterThan(0);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain(code);
      await subscription.close();
    } finally {
      await client.close();
    }
  });

  it('ends on 2026-07-28 in auto mode, and serves a 2025-11-25 client as before', async () => {
    const auto = await spawnClient('auto');
    const legacy = await spawnClient('legacy');
    try {
      expect(auto.getNegotiatedProtocolVersion()).toBe(MODERN);
      expect(legacy.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      for (const client of [auto, legacy]) expect(JSON.parse(textOf(await client.callTool({ name: 'ping', arguments: {} }))).path).toBe('/ping');
    } finally {
      await auto.close();
      await legacy.close();
    }
  });

  it.each<[string, Mode, Record<string, string>]>([
    ['2026-07-28', { pin: MODERN }, {}],
    ['2025-11-25', 'legacy', {}],
    ['2026-07-28 (fast path off: the SDK serves the call)', { pin: MODERN }, { TOOLWIRE_FAST_PATH: '0' }],
    ['2025-11-25 (fast path off: the SDK serves the call)', 'legacy', { TOOLWIRE_FAST_PATH: '0' }],
  ])('aborts the upstream request when a %s client cancels the call', async (_label, mode, extra) => {
    const client = await spawnClient(mode, extra);
    try {
      await expectCancelClosesUpstream(client);
    } finally {
      await client.close();
    }
  });
});
