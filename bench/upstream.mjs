// A fast local upstream: node:http, keep-alive, a ~200-byte JSON answer, and a credential check.
// Every request without the expected credential is answered 401 and counted as a reject.
import { createServer } from 'node:http';

export async function startUpstream({ token }) {
  const expected = `Bearer ${token}`;
  const stats = { calls: 0, rejects: 0 };
  const server = createServer((req, res) => {
    stats.calls++;
    if (req.headers.authorization !== expected) {
      stats.rejects++;
      res.writeHead(401, { 'content-type': 'application/json', 'content-length': 28 });
      res.end('{"error":"bad credential"}\n\n');
      return;
    }
    const url = req.url ?? '/';
    const body = JSON.stringify({
      id: url.slice(7, url.indexOf('?') === -1 ? undefined : url.indexOf('?')),
      name: 'Widget',
      status: 'active',
      price: 12.5,
      tags: ['alpha', 'beta', 'gamma'],
      owner: { login: 'octocat', type: 'User' },
      updatedAt: '2024-05-01T12:00:00Z',
      description: 'A bench item of about two hundred bytes.',
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Run as its own process (forked by run.mjs) so its work does not share the load generator's event loop. */
if (process.argv[1] === new URL(import.meta.url).pathname && process.send) {
  const upstream = await startUpstream({ token: process.env.BENCH_UPSTREAM_TOKEN });
  process.on('message', (msg) => {
    if (msg === 'stats') process.send({ type: 'stats', stats: upstream.stats });
  });
  process.on('disconnect', () => void upstream.close().then(() => process.exit(0)));
  process.send({ type: 'ready', url: upstream.url });
}
