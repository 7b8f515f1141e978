// A small reverse proxy for the multi-instance bench (what nginx does in examples/deploy/, without
// needing nginx). A legacy 2025-11-25 session lives on the instance that created it, and its
// `initialize` carries no Mcp-Session-Id yet: so the balancer learns each session's instance from the
// Mcp-Session-Id of the answer, and sends every later request with that id there (an id it never saw,
// e.g. after its own restart, goes where the id's hash points). Every other request goes round-robin
// (a 2026-07-28 request is stateless: any instance answers it). Keep-alive agents on both sides.
import { createHash } from 'node:crypto';
import http from 'node:http';

/** Hop-by-hop headers a proxy must not forward (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function forwardHeaders(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/** Sessions remembered at most (toolwire's own cap, TOOLWIRE_MAX_SESSIONS, is 1000 per instance). */
const MAX_SESSIONS = 100_000;

/** A stable instance index for a session id (the same id always lands on the same instance). */
export function affinity(sessionId, count) {
  return createHash('sha1').update(sessionId).digest().readUInt32BE(0) % count;
}

/**
 * Starts the balancer on 127.0.0.1 (port 0 unless given) in front of `upstreams` (base URLs such as
 * `http://127.0.0.1:4100`). Resolves with its base URL, per-instance request counts and `close()`.
 * A request's path is kept, so `${url}/mcp` reaches each instance's `/mcp`.
 */
export async function startBalancer(upstreams, { port = 0, maxSockets = 64 } = {}) {
  if (upstreams.length === 0) throw new Error('startBalancer: give at least one upstream URL');
  const targets = upstreams.map((u) => {
    const { hostname, port: p } = new URL(u);
    return { hostname, port: Number(p), agent: new http.Agent({ keepAlive: true, maxSockets }) };
  });
  const counts = targets.map(() => 0);
  /** Session id → the instance that created it (insertion order: the oldest is dropped past the cap). */
  const sessions = new Map();
  let next = 0;
  const server = http.createServer((req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    const hasSession = typeof sessionId === 'string' && sessionId !== '';
    const index = hasSession ? (sessions.get(sessionId) ?? affinity(sessionId, targets.length)) : next++ % targets.length;
    counts[index]++;
    const target = targets[index];
    // The instance checks Host (DNS-rebinding guard): send it the instance's own address, as nginx's
    // `proxy_set_header Host $proxy_host` does.
    const headers = { ...forwardHeaders(req.headers), host: `${target.hostname}:${target.port}` };
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers, agent: target.agent },
      (answer) => {
        const created = answer.headers['mcp-session-id'];
        if (typeof created === 'string' && !sessions.has(created)) {
          sessions.set(created, index);
          if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value);
        }
        if (hasSession && req.method === 'DELETE' && (answer.statusCode ?? 500) < 300) sessions.delete(sessionId);
        // Which instance answered, as examples/deploy/nginx.conf says it too.
        res.writeHead(answer.statusCode ?? 502, { ...forwardHeaders(answer.headers), 'x-toolwire-instance': `${target.hostname}:${target.port}` });
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`balancer: instance ${index} (${target.hostname}:${target.port}) failed: ${err.message}\n`);
    });
    // A client that goes away (an SSE stream closed) ends the request upstream too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address();
  return {
    url: `http://127.0.0.1:${bound}`,
    counts: () => [...counts],
    close: () =>
      new Promise((resolve) => {
        for (const t of targets) t.agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `node bench/balancer.mjs PORT URL URL…`: run it alone (PORT 0 = any free port), or forked with IPC. */
if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [port, ...urls] = process.argv.slice(2);
  if (!port || urls.length === 0) {
    process.stderr.write('usage: node bench/balancer.mjs PORT http://127.0.0.1:4101 http://127.0.0.1:4102 …\n');
    process.exit(2);
  }
  const balancer = await startBalancer(urls, { port: Number(port) });
  const stop = () => void balancer.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (process.send) {
    // Forked by bench/instances.mjs: its own process, so its CPU is measured apart from the load generator's.
    process.on('message', (msg) => {
      if (msg === 'counts') process.send({ type: 'counts', counts: balancer.counts() });
    });
    process.on('disconnect', stop);
    process.send({ type: 'ready', url: balancer.url });
  } else process.stderr.write(`balancer on ${balancer.url} → ${urls.join(', ')}\n`);
}
