// What does the v2 legacy stateless leg answer (content-type)? And GET/DELETE?
import { createRegistry } from './spike-core.mjs';
import { startHttp } from './spike-http-server.mjs';
const srv = await startHttp(createRegistry(), { stateless: true });
const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
let r = await fetch(srv.url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) });
console.log('initialize:', r.status, r.headers.get('content-type'), 'mcp-session-id=', r.headers.get('mcp-session-id'), (await r.text()).slice(0, 160).replace(/\n/g, '\\n'));
r = await fetch(srv.url, { method: 'POST', headers: { ...h, 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'q' } } }) });
console.log('tools/call (no initialize, stateless):', r.status, r.headers.get('content-type'), (await r.text()).slice(0, 160).replace(/\n/g, '\\n'));
r = await fetch(srv.url, { method: 'GET', headers: { accept: 'text/event-stream' } });
console.log('GET:', r.status, await r.text());
await srv.close();
