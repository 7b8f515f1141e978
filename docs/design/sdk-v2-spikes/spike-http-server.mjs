// A plain node:http server (no Express, no hono) serving both MCP eras on /mcp through the v2 SDK:
//  - 2026-07-28: createMcpHandler(factory, { legacy: 'reject' })   (per-request Server instance)
//  - 2025-11-25: sessions (WebStandardStreamableHTTPServerTransport per session, our Map, 404 unknown,
//                DELETE) — or, with { stateless: true }, legacyStatelessFallback (no listChanged).
// Routing is done in user land with isLegacyRequest(request, parsedBody) — the SDK's own classifier.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  createMcpHandler,
  isLegacyRequest,
  legacyStatelessFallback,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { makeFactory } from './spike-core.mjs';

/** Node IncomingMessage -> web Request WITHOUT a body (we pass parsedBody instead), with a disconnect signal. */
function toRequest(req, signal) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else headers.set(k, v);
  }
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url}`, { method: req.method, headers, signal });
}

/** web Response -> Node ServerResponse (streams SSE; cancels the body when the client goes away). */
async function writeResponse(res, response) {
  const headers = {};
  response.headers.forEach((v, k) => {
    headers[k] = v;
  });
  res.writeHead(response.status, headers);
  if (response.body === null) return void res.end();
  const reader = response.body.getReader();
  res.once('close', () => reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise((r) => res.once('drain', r));
    }
  } catch {
    /* client gone */
  }
  res.end();
}

function readBody(req, max = 4 * 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > max) reject(Object.assign(new Error('too large'), { status: 413 }));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const rpcError = (status, code, message, id = null) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }), { status, headers: { 'content-type': 'application/json' } });

export function startHttp(registry, { stateless = false, port = 0, counters = {} } = {}) {
  const factory = makeFactory(registry, { counters });
  const modern = createMcpHandler(factory, { legacy: 'reject', onerror: (e) => counters.errors?.push(e.message) });
  const legacyStateless = legacyStatelessFallback(makeFactory(registry, { listChanged: false, counters }));
  /** sessionId -> { transport, server } */
  const sessions = new Map();

  // One change -> every listen stream (modern) and every legacy session gets notifications/tools/list_changed.
  registry.onChange(() => {
    modern.notify.toolsChanged();
    for (const { server } of sessions.values()) server.sendToolListChanged().catch(() => {});
  });

  async function legacySessions(req, request, parsedBody) {
    const sid = request.headers.get('mcp-session-id');
    if (sid) {
      const s = sessions.get(sid);
      if (!s) return rpcError(404, -32001, 'Session not found');
      return s.transport.handleRequest(request, { parsedBody });
    }
    const isInit = parsedBody && !Array.isArray(parsedBody) && parsedBody.method === 'initialize';
    if (request.method !== 'POST' || !isInit) return rpcError(400, -32000, 'Bad Request: no valid Mcp-Session-Id header');
    const product = factory({ era: 'legacy' });
    const server = product.server ?? product; // McpServer shell (Mcp-Param workaround) or plain Server
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => sessions.set(id, { transport, server }),
      onsessionclosed: (id) => sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody });
  }

  const httpServer = createServer(async (req, res) => {
    // (toolwire: Host/Origin guards + bearer auth go here, before anything MCP)
    if (!req.url.startsWith('/mcp')) return void res.writeHead(404).end();
    const ac = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) ac.abort(new Error('client went away'));
    });
    let parsedBody;
    if (req.method === 'POST') {
      const text = await readBody(req);
      try {
        parsedBody = text ? JSON.parse(text) : undefined;
      } catch {
        return writeResponse(res, rpcError(400, -32700, 'Parse error'));
      }
    }
    const request = toRequest(req, ac.signal);
    let response;
    if (await isLegacyRequest(request, parsedBody)) {
      counters.legacy = (counters.legacy ?? 0) + 1;
      response = stateless ? await legacyStateless(request, { parsedBody }) : await legacySessions(req, request, parsedBody);
    } else {
      counters.modern = (counters.modern ?? 0) + 1;
      response = await modern.fetch(request, { parsedBody });
    }
    await writeResponse(res, response);
  });
  return new Promise((resolve) =>
    httpServer.listen(port, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${httpServer.address().port}/mcp`,
        sessions,
        modern,
        close: async () => {
          await modern.close();
          for (const s of sessions.values()) await s.transport.close().catch(() => {});
          httpServer.closeAllConnections?.();
          await new Promise((r) => httpServer.close(r));
        },
      }),
    ),
  );
}
