// Cost of the SDK's exported pure classifier (usable by the fast path) vs a hand check.
import { classifyInboundRequest } from '@modelcontextprotocol/server';
const env = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'b', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, _meta: env } };
const input = { httpMethod: 'POST', protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'tools/call', mcpNameHeader: 'echo', body };
console.log(JSON.stringify(classifyInboundRequest(input)).slice(0, 200));
console.log(JSON.stringify(classifyInboundRequest({ ...input, body: { ...body, params: { ...body.params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } } })).slice(0, 300));
const N = 20000;
for (let i = 0; i < 2000; i++) classifyInboundRequest(input);
const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) classifyInboundRequest(input);
const c = process.cpuUsage(c0);
console.log(`classifyInboundRequest: ${((c.user + c.system) / N).toFixed(2)} µs/call`);
