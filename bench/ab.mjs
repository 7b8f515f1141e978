// `node bench/ab.mjs A_CLI B_CLI [stdio|sessions|stateless] [--rounds N] [--concurrency C] [--duration MS] [--json FILE]
//   [--era modern] [--b-env TOOLWIRE_FAST_PATH=0]`:
// two builds side by side, rounds interleaved (A, B, B, A, …), raw load generator; CPU per call and
// calls/s, and the paired B/A CPU ratio (each round's B against the A run next to it: on a busy
// machine the pairs share its load, so their ratio is steadier than a ratio of medians).
// How each optimization's gain in docs/benchmarks.md was measured.
import { randomBytes } from 'node:crypto';
import { loadCatalog } from './catalog.mjs';
import { CLI, freshEnv, startHttp, startRawStdio } from './launch.mjs';
import { rawHttpCaller, rawStdioCaller } from './load.mjs';
import { timedRun, warmUp } from './measure.mjs';
import { spread } from './stats.mjs';
import { forkUpstream } from './upstream-process.mjs';

const argv = process.argv.slice(2);
const [a, b, target = 'stdio'] = argv;
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const rounds = Number(opt('--rounds', 6));
const concurrency = opt('--concurrency', '1,8').split(',').map(Number);
const durationMs = Number(opt('--duration', 1000));

const token = randomBytes(16).toString('hex');
const upstream = await forkUpstream(token);
const { env, dir, cleanup } = freshEnv();
loadCatalog({ cli: CLI, env, dir, upstreamUrl: upstream.url, token });

/** `--era modern`: every call a 2026-07-28 request; `--b-env K=V,…`: extra environment for side B only (TOOLWIRE_FAST_PATH=0). */
const modern = opt('--era', 'legacy') === 'modern';
const bEnv = Object.fromEntries(
  (opt('--b-env', '') || '')
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=')),
);
async function start(cli, extra = {}) {
  const sideEnv = { ...env, ...extra };
  if (target === 'stdio') {
    const server = await startRawStdio(sideEnv, [], cli, { modern });
    return { server, call: rawStdioCaller(server) };
  }
  const server = await startHttp(sideEnv, { stateless: target === 'stateless', cli });
  return { server, call: await rawHttpCaller(server.url, server.token, { session: target === 'sessions' && !modern, modern }) };
}
const sides = { A: await start(a), B: await start(b, bEnv) };
for (const side of Object.values(sides)) await warmUp(side.call, 1000);
const results = { A: {}, B: {} };
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    for (const c of concurrency) {
      const run = await timedRun(sides[name].call, { concurrency: c, durationMs, pid: sides[name].server.pid });
      (results[name][c] ??= { cpu: [], rate: [], p50: [] }).cpu.push(run.cpuPerCallUs),
        results[name][c].rate.push(run.callsPerSec),
        results[name][c].p50.push(run.p50Ms);
    }
  }
}
const f = (s, d = 0) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
for (const c of concurrency) {
  for (const name of ['A', 'B']) {
    const x = results[name][c];
    console.log(`${target} c=${c} ${name}: CPU ${f(spread(x.cpu))} µs/call, ${f(spread(x.rate))} calls/s, p50 ${f(spread(x.p50), 3)} ms`);
  }
}
for (const c of concurrency) {
  const ratios = results.A[c].cpu.map((cpu, i) => results.B[c].cpu[i] / cpu);
  const r = spread(ratios);
  console.log(
    `${target} c=${c} paired B/A CPU per call: median ${r.median.toFixed(3)} (${r.min.toFixed(2)}–${r.max.toFixed(2)}), B higher in ${ratios.filter((x) => x > 1).length}/${ratios.length} rounds`,
  );
}
const jsonOut = opt('--json', null);
if (jsonOut) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(jsonOut, JSON.stringify({ target, a, b, results }));
}
for (const side of Object.values(sides)) {
  side.call.close?.();
  await side.server.close();
}
await upstream.close();
cleanup();
