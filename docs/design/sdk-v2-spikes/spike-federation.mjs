// Federation: the v2 client reaching upstreams in whichever revision they speak.
//  (a) a v1-SDK (2025-only) Streamable HTTP upstream, sessions  -> v2 client mode 'auto' must fall back to initialize
//  (b) our v2 dual-era upstream                                 -> 'auto' ends on 2026-07-28
//  (c) a v1-SDK stdio upstream                                  -> 'auto' (sibling probe) falls back
//  plus: custom fetch (response-cap hook) sees every exchange; StdioClientTransport._readBuffer swap still possible.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server as V1Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport as V1HttpTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema, CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client, StreamableHTTPClientTransport, ReadBuffer } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createRegistry } from './spike-core.mjs';
import { startHttp } from './spike-http-server.mjs';

function v1Server() {
  const s = new V1Server({ name: 'v1-upstream', version: '1' }, { capabilities: { tools: {} } });
  s.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [{ name: 'hello', inputSchema: { type: 'object' } }] }));
  s.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: 'text', text: 'hello from v1' }] }));
  return s;
}

if (process.argv[2] === 'v1-stdio') {
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  await v1Server().connect(new StdioServerTransport());
} else {
  // (a) v1 sessions upstream
  const sessions = new Map();
  const http = createServer(async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    if (sid && sessions.has(sid)) return sessions.get(sid).handleRequest(req, res);
    const t = new V1HttpTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => sessions.set(id, t) });
    await v1Server().connect(t);
    await t.handleRequest(req, res);
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const v1url = new URL(`http://127.0.0.1:${http.address().port}/mcp`);
  const seen = [];
  const cappedFetch = async (url, init) => {
    const res = await fetch(url, init);
    seen.push(`${init?.method ?? 'GET'} ${res.status} ${res.headers.get('content-type')}`);
    return res; // toolwire: wrap res.body in a byte-counting stream here (boundedFetch)
  };
  let c = new Client({ name: 'toolwire', version: '0' }, { versionNegotiation: { mode: 'auto' } });
  await c.connect(new StreamableHTTPClientTransport(v1url, { fetch: cappedFetch }));
  const t = await c.listTools();
  const r = await c.callTool({ name: 'hello', arguments: {} });
  console.log(`(a) v1 HTTP upstream, auto: era=${c.getProtocolEra()} version=${c.getNegotiatedProtocolVersion()} tools=${t.tools.map((x) => x.name)} call=${r.content[0].text}`);
  console.log(`    custom fetch saw: ${seen.join(' | ')}`);
  await c.close();

  // (b) v2 dual-era upstream
  const srv = await startHttp(createRegistry());
  c = new Client({ name: 'toolwire', version: '0' }, { versionNegotiation: { mode: 'auto' } });
  await c.connect(new StreamableHTTPClientTransport(new URL(srv.url)));
  console.log(`(b) v2 HTTP upstream, auto: era=${c.getProtocolEra()} version=${c.getNegotiatedProtocolVersion()}`);
  const prior = { kind: 'modern', discover: c.getDiscoverResult() };
  await c.close();
  c = new Client({ name: 'toolwire', version: '0' }, { versionNegotiation: { mode: 'auto' } });
  await c.connect(new StreamableHTTPClientTransport(new URL(srv.url)), { prior });
  console.log(`    reconnect with cached prior verdict (0 probe round trips): era=${c.getProtocolEra()}`);
  await c.close();
  await srv.close();

  // (c) v1 stdio upstream, auto (sibling probe) + read-buffer swap on the caller's transport
  const st = new StdioClientTransport({ command: process.execPath, args: [new URL(import.meta.url).pathname, 'v1-stdio'], stderr: 'pipe' });
  const orig = st._readBuffer;
  let appended = 0;
  st._readBuffer = new (class extends ReadBuffer { append(chunk) { appended += chunk.length; super.append(chunk); } })();
  c = new Client({ name: 'toolwire', version: '0' }, { versionNegotiation: { mode: 'auto', probe: { timeoutMs: 3000 } } });
  const t0 = Date.now();
  await c.connect(st);
  const r2 = await c.callTool({ name: 'hello', arguments: {} });
  console.log(`(c) v1 stdio upstream, auto: era=${c.getProtocolEra()} version=${c.getNegotiatedProtocolVersion()} connect ${Date.now() - t0} ms; call=${r2.content[0].text}; swapped _readBuffer saw ${appended} bytes (was ${orig?.constructor?.name})`);
  await c.close();
  http.closeAllConnections();
  http.close();
}
