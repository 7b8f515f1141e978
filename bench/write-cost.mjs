// One small admin write (PUT /admin/tools/:id with a new description) to a served registry of N tools,
// with tools/call running from a load generator: how long the write takes as the admin client sees it,
// and the worst call latency around it (calls in flight during the write or started within WINDOW_MS
// after it). Issue 11: the 10,000-tool write within 3× the 10-tool one.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { CALL_TOOL } from './catalog.mjs';
import { startHttp } from './launch.mjs';
import { rawHttpCaller } from './load.mjs';
import { warmUp } from './measure.mjs';
import { percentile } from './stats.mjs';

const WINDOW_MS = 50;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function adminRequest(agent, url, token, method, body) {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/**
 * A fresh `serve --http` on `env` (its database already holds the tools); `writes` writes spaced by
 * `gapMs`, `concurrency` callers running throughout.
 */
export async function writeCostRound(env, { writes = 20, concurrency = 4, gapMs = 150, warmCalls = 300 } = {}) {
  const server = await startHttp(env);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let caller;
  try {
    const base = server.url.replace(/\/mcp$/, '');
    const listed = await adminRequest(agent, `${base}/admin/tools?provider=bench`, server.token, 'GET');
    const tools = JSON.parse(listed.text);
    const target = tools.find((t) => t.code !== CALL_TOOL) ?? tools[0];
    caller = await rawHttpCaller(server.url, server.token, { session: true, connections: concurrency });
    await warmUp(caller, warmCalls, concurrency);
    // A few writes first, so the write path is warm too (not measured).
    for (let i = 0; i < 3; i++) await adminRequest(agent, `${base}/admin/tools/${target.id}`, server.token, 'PUT', { description: `bench warm-up write ${i}` });

    const calls = []; // [start, end]
    let running = true;
    let callErrors = 0;
    const worker = async () => {
      while (running) {
        const t0 = performance.now();
        const ok = await caller().catch(() => false);
        calls.push([t0, performance.now()]);
        if (!ok) callErrors++;
      }
    };
    const workers = Array.from({ length: concurrency }, worker);
    const done = [];
    let writeErrors = 0;
    for (let i = 0; i < writes; i++) {
      await sleep(gapMs);
      const t0 = performance.now();
      const res = await adminRequest(agent, `${base}/admin/tools/${target.id}`, server.token, 'PUT', { description: `bench write ${i} at ${Date.now()}` });
      const t1 = performance.now();
      if (res.status !== 200) writeErrors++;
      done.push([t0, t1]);
    }
    await sleep(WINDOW_MS * 2);
    running = false;
    await Promise.all(workers);

    const near = (c, [t0, t1]) => c[0] <= t1 + WINDOW_MS && c[1] >= t0;
    const worstAfter = done.map((w) => Math.max(0, ...calls.filter((c) => near(c, w)).map((c) => c[1] - c[0])));
    const quiet = calls
      .filter((c) => !done.some((w) => near(c, w)))
      .map((c) => c[1] - c[0])
      .sort((a, b) => a - b);
    const writeMs = done.map(([t0, t1]) => t1 - t0).sort((a, b) => a - b);
    return {
      tools: tools.length,
      writes: writeMs.length,
      writeErrors,
      calls: calls.length,
      callErrors,
      writeMedianMs: percentile(writeMs, 50),
      writeMaxMs: writeMs[writeMs.length - 1],
      worstCallAfterWriteMs: Math.max(...worstAfter),
      worstCallAfterWriteMedianMs: percentile(
        [...worstAfter].sort((a, b) => a - b),
        50,
      ),
      quietCallP99Ms: percentile(quiet, 99),
      quietCallMaxMs: quiet[quiet.length - 1],
    };
  } finally {
    caller?.close();
    agent.destroy();
    await server.close();
  }
}
