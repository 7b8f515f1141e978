// Drivers that make one call each: the SDK Client, raw JSON-RPC POSTs on keep-alive connections
// (the light load generator), and the same request straight to the upstream.
import http from 'node:http';
import { CALL_ARGS, CALL_TOOL } from './catalog.mjs';

/** A call through an SDK Client (stdio or HTTP); resolves true when the result is not an error. */
export function sdkCaller(client) {
  return () => client.callTool({ name: CALL_TOOL, arguments: CALL_ARGS }).then((r) => !r.isError);
}

/** The per-request envelope of MCP 2026-07-28, as a pinned client sends it with every request. */
export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'toolwire-bench-raw', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A call over raw stdio lines. */
export function rawStdioCaller(raw) {
  return () => raw.call(CALL_TOOL, CALL_ARGS).then((m) => Boolean(m.result) && !m.result.isError);
}

function post(agent, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The light load generator: raw JSON-RPC `tools/call` POSTs on keep-alive connections (one per call
 * in flight). With `session: true` it first initializes a session and sends its id on every call;
 * with `modern: true` each call is a 2026-07-28 request (envelope in `_meta`, the method and tool
 * named in headers, no session).
 */
export async function rawHttpCaller(url, token, { session = false, modern = false, connections = 64 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const headers = {
    authorization: `Bearer ${token}`,
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    'mcp-protocol-version': modern ? '2026-07-28' : '2025-06-18',
    ...(modern ? { 'mcp-method': 'tools/call', 'mcp-name': CALL_TOOL } : {}),
  };
  const meta = modern ? `,"_meta":${JSON.stringify(MODERN_META)}` : '';
  if (session) {
    const init = await post(
      agent,
      url,
      headers,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'toolwire-bench-raw', version: '1.0.0' } },
      }),
    );
    const id = init.headers['mcp-session-id'];
    if (init.status !== 200 || !id) throw new Error(`initialize failed: ${init.status} ${init.text.slice(0, 200)}`);
    headers['mcp-session-id'] = id;
    await post(agent, url, headers, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  }
  let nextId = 1;
  const call = async () => {
    const body = `{"jsonrpc":"2.0","id":${nextId++},"method":"tools/call","params":{"name":"${CALL_TOOL}","arguments":${JSON.stringify(CALL_ARGS)}${meta}}}`;
    const res = await post(agent, url, headers, body);
    if (res.status !== 200) return false;
    const msg = JSON.parse(res.text);
    return Boolean(msg.result) && !msg.result.isError;
  };
  call.close = () => agent.destroy();
  return call;
}

/** The same request, made directly to the upstream with a keep-alive agent: the baseline. */
export function directCaller(upstreamUrl, token) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const path = `/items/${CALL_ARGS.id}?q=${encodeURIComponent(CALL_ARGS.q)}`;
  const call = () =>
    new Promise((resolve, reject) => {
      const req = http.request(`${upstreamUrl}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve(res.statusCode === 200);
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  call.close = () => agent.destroy();
  return call;
}
