// CPU per tools/call, in-process (no sockets): v2 modern handler vs v2 legacy stateless vs a lean fast path.
// Light: N calls each, sequential. Run with `nice node spike-bench.mjs`.
import { createMcpHandler, legacyStatelessFallback } from '@modelcontextprotocol/server';
import { createRegistry, makeFactory } from './spike-core.mjs';

const N = Number(process.argv[2] ?? 1500);
const registry = createRegistry();
const env = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'b', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
const modernBody = (id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, _meta: env } });
const legacyBody = (id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
const hdrModern = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
const hdrLegacy = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

async function measure(label, fn) {
  for (let i = 0; i < 200; i++) await fn(i); // warm-up
  const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn(i);
  const c = process.cpuUsage(c0); const wall = Number(process.hrtime.bigint() - t0) / 1e3;
  console.log(`${label.padEnd(58)} cpu ${((c.user + c.system) / N).toFixed(1).padStart(7)} µs/call   wall ${(wall / N).toFixed(1).padStart(7)} µs/call`);
}

for (const [name, opts] of [['low-level Server (warm-up pass)', { mcpParamCheck: false }], ['McpServer shell (Mcp-Param check)', { mcpParamCheck: true }], ['low-level Server', { mcpParamCheck: false }]]) {
  const handler = createMcpHandler(makeFactory(registry, opts), { legacy: 'reject' });
  await measure(`v2 createMcpHandler modern, parsedBody, ${name}`, async (i) => {
    const b = modernBody(i);
    const res = await handler.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers: hdrModern }), { parsedBody: b });
    await res.text();
  });
}
{
  const handler = createMcpHandler(makeFactory(registry, { mcpParamCheck: false }), { legacy: 'reject' });
  await measure('v2 createMcpHandler modern, body read by SDK (string body)', async (i) => {
    const res = await handler.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers: hdrModern, body: JSON.stringify(modernBody(i)) }));
    await res.text();
  });
}
{
  const legacy = legacyStatelessFallback(makeFactory(registry, { mcpParamCheck: false, listChanged: false }));
  await measure('v2 legacyStatelessFallback (2025-11-25), parsedBody', async (i) => {
    const res = await legacy(new Request('http://127.0.0.1/mcp', { method: 'POST', headers: hdrLegacy }), { parsedBody: legacyBody(i) });
    await res.text();
  });
}
await measure('lean fast path (parse + lookup + invoke + stringify)', async (i) => {
  const text = JSON.stringify(modernBody(i));
  const m = JSON.parse(text);
  const entry = registry.current().entries.get(m.params.name);
  const result = await registry.invoke(entry.name, m.params.arguments, undefined);
  JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { ...result, resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'x', version: '1' } } } });
});
