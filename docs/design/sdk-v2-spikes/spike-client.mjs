// Runs every spike check and prints PASS/FAIL lines + observations. Server and clients in one process
// (HTTP on 127.0.0.1:ephemeral); stdio spawns spike-stdio-server.mjs.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createRegistry } from './spike-core.mjs';
import { startHttp } from './spike-http-server.mjs';

const results = [];
const check = (name, ok, detail = '') => {
  results.push({ name, ok });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};
const note = (s) => console.log(`  · ${s}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (pred, ms = 2000) => {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (pred()) return Date.now() - t0;
    await sleep(10);
  }
  return -1;
};

/** A fetch wrapper like toolwire's boundedFetch: sees every request/response (here: records headers, counts bytes). */
function recordingFetch(log) {
  return async (url, init) => {
    const h = new Headers(init?.headers);
    log.push({ method: init?.method ?? 'GET', mcpMethod: h.get('mcp-method'), mcpName: h.get('mcp-name'), region: h.get('mcp-param-region'), pv: h.get('mcp-protocol-version'), sid: h.get('mcp-session-id') });
    return fetch(url, init);
  };
}

const SLOW_ABORT = (registry) => registry.log.filter((e) => e.event === 'slow-aborted').length;

async function httpSuite(stateless) {
  const tag = stateless ? 'http --stateless' : 'http sessions';
  const registry = createRegistry();
  const counters = { errors: [] };
  const srv = await startHttp(registry, { stateless, counters });
  const url = new URL(srv.url);

  // ---------- 2026-07-28 pinned client ----------
  {
    const fetchLog = [];
    const client = new Client({ name: 'spike-modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    const transport = new StreamableHTTPClientTransport(url, { fetch: recordingFetch(fetchLog) });
    await client.connect(transport);
    check(`[${tag}] pinned 2026-07-28 connects`, client.getProtocolEra() === 'modern', `version=${client.getNegotiatedProtocolVersion()} sessionId=${transport.sessionId}`);
    const disc = client.getDiscoverResult();
    note(`discover: supportedVersions=${JSON.stringify(disc?.supportedVersions)} caps=${JSON.stringify(disc?.capabilities)} instructions=${JSON.stringify(disc?.instructions)} serverInfo=${JSON.stringify(client.getServerVersion())}`);
    const tools = await client.listTools();
    check(`[${tag}] modern tools/list`, tools.tools.length === 3, tools.tools.map((t) => t.name).join(','));
    note(`tools/list result keys: ${Object.keys(tools).join(',')} ttlMs=${tools.ttlMs} cacheScope=${tools.cacheScope}`);
    fetchLog.length = 0;
    const r = await client.callTool({ name: 'echo', arguments: { text: 'hi', region: 'eu-west' } });
    check(`[${tag}] modern tools/call`, r.content?.[0]?.text === 'echo:hi');
    note(`call request headers: ${JSON.stringify(fetchLog[0])}`);
    check(`[${tag}] client mirrors x-mcp-header into Mcp-Param-Region`, fetchLog[0]?.region === 'eu-west');

    // subscriptions/listen + change
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed++;
    });
    const sub = await client.listen({ toolsListChanged: true });
    note(`listen honoredFilter=${JSON.stringify(sub.honoredFilter)}`);
    const t0 = Date.now();
    registry.bump();
    const took = await waitFor(() => changed > 0, 1500);
    check(`[${tag}] subscriptions/listen delivers list_changed after a change`, took >= 0, `in ${took} ms`);
    await sub.close();
    note(`listen closed: ${await Promise.race([sub.closed, sleep(500).then(() => 'timeout')])}`);

    // cancellation: abort the caller's signal => the response stream is dropped => handler signal aborts
    const ac = new AbortController();
    const before = SLOW_ABORT(registry);
    const p = client.callTool({ name: 'slow', arguments: {} }, { signal: ac.signal }).catch((e) => e);
    await sleep(300);
    const tCancel = Date.now();
    ac.abort();
    await p;
    const took2 = await waitFor(() => SLOW_ABORT(registry) > before, 2000);
    check(`[${tag}] modern cancel (dropped stream) aborts handler signal`, took2 >= 0, `handler aborted ${took2} ms after abort; reason=${registry.log.filter((e) => e.event === 'slow-aborted').at(-1)?.reason}`);
    await client.close();
  }

  // ---------- auto mode ----------
  {
    const client = new Client({ name: 'spike-auto', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(url));
    check(`[${tag}] auto mode ends on 2026-07-28`, client.getNegotiatedProtocolVersion() === '2026-07-28', `${client.getProtocolEra()} ${client.getNegotiatedProtocolVersion()}`);
    await client.close();
  }

  // ---------- 2025-11-25 client ----------
  {
    const fetchLog = [];
    const client = new Client({ name: 'spike-legacy', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    const transport = new StreamableHTTPClientTransport(url, { fetch: recordingFetch(fetchLog) });
    await client.connect(transport);
    check(`[${tag}] 2025-11-25 client connects (initialize)`, client.getProtocolEra() === 'legacy', `version=${client.getNegotiatedProtocolVersion()} sessionId=${transport.sessionId ?? '(none)'} listChanged=${client.getServerCapabilities()?.tools?.listChanged}`);
    const tools = await client.listTools();
    check(`[${tag}] legacy tools/list`, tools.tools.length >= 3, `keys=${Object.keys(tools).join(',')}`);
    const r = await client.callTool({ name: 'echo', arguments: { text: 'yo' } });
    check(`[${tag}] legacy tools/call`, r.content?.[0]?.text === 'echo:yo', `result keys=${Object.keys(r).join(',')}`);
    if (!stateless) {
      let changed = 0;
      client.setNotificationHandler('notifications/tools/list_changed', () => changed++);
      await sleep(200); // let the GET SSE stream open
      registry.bump();
      const took = await waitFor(() => changed > 0, 1500);
      check(`[${tag}] legacy session gets list_changed (GET stream)`, took >= 0, `in ${took} ms`);

      // cancellation via notifications/cancelled
      const ac = new AbortController();
      const before = SLOW_ABORT(registry);
      const p = client.callTool({ name: 'slow', arguments: {} }, { signal: ac.signal }).catch((e) => e);
      await sleep(300);
      ac.abort();
      await p;
      const took2 = await waitFor(() => SLOW_ABORT(registry) > before, 2000);
      check(`[${tag}] legacy notifications/cancelled aborts handler signal`, took2 >= 0, `after ${took2} ms`);

      const sid = transport.sessionId;
      check(`[${tag}] session kept in our Map`, srv.sessions.has(sid));
      await transport.terminateSession();
      check(`[${tag}] DELETE ends the session`, !srv.sessions.has(sid));
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      });
      check(`[${tag}] unknown session id -> 404`, res.status === 404, `${res.status} ${await res.text()}`);
    }
    await client.close();
  }

  // ---------- raw wire checks of SPEC §10 ----------
  {
    const env = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
    const post = async (body, headers = {}) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': body.method, ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let json;
      try {
        json = JSON.parse(text.startsWith('event:') || text.startsWith('data:') ? text.split('\n').find((l) => l.startsWith('data:')).slice(5) : text);
      } catch {
        json = text;
      }
      return { status: res.status, json, headers: res.headers };
    };
    let r = await post({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: env } });
    check(`[${tag}] raw server/discover`, r.status === 200 && r.json.result, `status=${r.status} resultType=${r.json.result?.resultType} supportedVersions=${JSON.stringify(r.json.result?.supportedVersions)} serverInfo=${JSON.stringify(r.json.result?._meta?.['io.modelcontextprotocol/serverInfo'])} ttlMs=${r.json.result?.ttlMs}`);
    r = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: env } });
    check(`[${tag}] raw tools/list has resultType+serverInfo+ttlMs/cacheScope`, r.json.result?.resultType === 'complete' && r.json.result?._meta?.['io.modelcontextprotocol/serverInfo'] && r.json.result?.ttlMs === 30000 && r.json.result?.cacheScope === 'public', `ttlMs=${r.json.result?.ttlMs} cacheScope=${r.json.result?.cacheScope} x-mcp-header kept=${JSON.stringify(r.json.result?.tools?.[0]?.inputSchema?.properties?.region)}`);
    r = await post({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } }, { 'mcp-name': 'echo' });
    check(`[${tag}] missing _meta keys -> -32602 with own id`, r.json.error?.code === -32602 && r.json.id === 3, `status=${r.status} ${JSON.stringify(r.json.error)} id=${r.json.id}`);
    r = await post({ jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: { ...env, 'io.modelcontextprotocol/protocolVersion': '2027-01-01' } } }, { 'mcp-protocol-version': '2027-01-01' });
    check(`[${tag}] unsupported version -> -32022 + supported list`, r.json.error?.code === -32022, `status=${r.status} ${JSON.stringify(r.json.error)} id=${r.json.id}`);
    r = await post({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: env } }, { 'mcp-method': 'tools/call' });
    check(`[${tag}] Mcp-Method mismatch -> HTTP 400 -32020`, r.status === 400 && r.json.error?.code === -32020, `status=${r.status} ${JSON.stringify(r.json.error)}`);
    r = await post({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' }, _meta: env } }, { 'mcp-name': 'other' });
    check(`[${tag}] Mcp-Name mismatch -> HTTP 400 -32020`, r.status === 400 && r.json.error?.code === -32020, `status=${r.status} ${JSON.stringify(r.json.error)}`);
    r = await post({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a', region: 'eu' }, _meta: env } }, { 'mcp-name': 'echo', 'mcp-param-region': 'us' });
    check(`[${tag}] Mcp-Param-Region mismatch refused by SDK (low-level Server)`, r.status === 400 && r.json.error?.code === -32020, `status=${r.status} ${JSON.stringify(r.json.error ?? r.json.result?.content)}`);
    r = await post({ jsonrpc: '2.0', id: 75, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a', region: 'eu' }, _meta: env } }, { 'mcp-name': 'echo' });
    check(`[${tag}] Mcp-Param-Region MISSING refused by SDK (low-level Server)`, r.status === 400, `status=${r.status} ${JSON.stringify(r.json.error ?? r.json.result?.content)}`);
    for (const [id, method] of [[8, 'initialize'], [9, 'ping'], [10, 'logging/setLevel'], [11, 'resources/subscribe']]) {
      const params = { _meta: env, ...(method === 'logging/setLevel' ? { level: 'info' } : {}), ...(method === 'resources/subscribe' ? { uri: 'x:y' } : {}), ...(method === 'initialize' ? { protocolVersion: '2026-07-28', capabilities: {}, clientInfo: { name: 'x', version: '1' } } : {}) };
      r = await post({ jsonrpc: '2.0', id, method, params }, method === 'resources/subscribe' ? { 'mcp-name': 'x:y' } : {});
      check(`[${tag}] ${method} as 2026-07-28 -> -32601 / HTTP 404`, r.json.error?.code === -32601 && r.status === 404, `status=${r.status} ${JSON.stringify(r.json.error)}`);
    }
    r = await post({ jsonrpc: '2.0', id: 12, method: 'tools/list', params: { _meta: env } }, { 'mcp-protocol-version': '' });
    note(`tools/list with envelope but no MCP-Protocol-Version header: status=${r.status} ${JSON.stringify(r.json.error)}`);
    note(`server counters: factory=${counters.factory} modern=${counters.modern} legacy=${counters.legacy} errors(onerror)=${counters.errors.length}`);
  }
  await srv.close();
}

async function stdioSuite() {
  const params = { command: process.execPath, args: [new URL('./spike-stdio-server.mjs', import.meta.url).pathname], stderr: 'pipe', env: { SPIKE_STDERR_LOG: '1' } };
  for (const mode of [{ pin: '2026-07-28' }, 'legacy', 'auto']) {
    const tag = `stdio ${typeof mode === 'string' ? mode : 'pin'}`;
    const client = new Client({ name: 'spike-stdio', version: '1' }, { versionNegotiation: { mode } });
    const transport = new StdioClientTransport({ ...params, maxBufferSize: 1024 * 1024 });
    let stderr = '';
    transport.stderr?.on('data', (c) => (stderr += c));
    await client.connect(transport);
    check(`[${tag}] connects`, true, `era=${client.getProtocolEra()} version=${client.getNegotiatedProtocolVersion()}`);
    const tools = await client.listTools();
    const r = await client.callTool({ name: 'echo', arguments: { text: 's' } });
    check(`[${tag}] list+call`, tools.tools.length === 3 && r.content[0].text === 'echo:s', `ttlMs=${tools.ttlMs} cacheScope=${tools.cacheScope}`);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => changed++);
    let sub;
    if (client.getProtocolEra() === 'modern') sub = await client.listen({ toolsListChanged: true });
    await client.callTool({ name: 'bump', arguments: {} });
    const took = await waitFor(() => changed > 0, 1500);
    check(`[${tag}] list_changed after change${sub ? ' (via subscriptions/listen)' : ' (unsolicited)'}`, took >= 0, `in ${took} ms`);
    await sub?.close();
    // cancel
    const ac = new AbortController();
    const p = client.callTool({ name: 'slow', arguments: {} }, { signal: ac.signal }).catch((e) => e.name ?? e.message);
    await sleep(200);
    const t0 = Date.now();
    ac.abort();
    const outcome = await p;
    note(`cancel on stdio: client saw ${outcome} after ${Date.now() - t0} ms (server handler abort observed via its log only)`);
    await client.close();
    await sleep(100);
    note(`stdio server stderr: ${stderr.trim().replace(/\n/g, ' | ')}`);
  }
}

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'http') await httpSuite(false);
if (which === 'all' || which === 'stateless') await httpSuite(true);
if (which === 'all' || which === 'stdio') await stdioSuite();
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length}/${results.length} checks passed${failed.length ? `; failed: ${failed.map((f) => f.name).join('; ')}` : ''}`);
process.exit(0);
