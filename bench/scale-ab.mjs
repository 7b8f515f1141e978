// `node bench/scale-ab.mjs CLI_A CLI_B [CLI_C …] [--tools 10000] [--rounds 6] [--lists 3]`: the large-registry
// figures of bench/scale.mjs for several builds side by side, rounds interleaved (A B C, C B A, …), each
// build over its own database imported with its own CLI (older builds have older schemas). Prints each
// build's medians and, for every build after the first, the paired ratio against A per round: on a shared
// machine the runs next to each other share its load, so their ratio is steadier than a ratio of medians.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { loadCatalog } from './catalog.mjs';
import { freshEnv, startRawStdio, startStdio } from './launch.mjs';
import { cpuMicros, memory } from './proc.mjs';
import { spread } from './stats.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const clis = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
const tools = Number(opt('--tools', 10000));
const rounds = Number(opt('--rounds', 6));
const lists = Number(opt('--lists', 3));
if (clis.length < 2) throw new Error('give at least two built dist/cli.js paths');

const listPage = (client, cursor) => client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } });

async function sdkAll(client) {
  let cursor;
  let n = 0;
  const t0 = performance.now();
  do {
    const page = await listPage(client, cursor);
    n += page.tools.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { ms: performance.now() - t0, n };
}

async function rawAll(raw) {
  let cursor;
  const t0 = performance.now();
  do cursor = (await raw.request('tools/list', cursor === undefined ? {} : { cursor })).result.nextCursor;
  while (cursor !== undefined);
  return performance.now() - t0;
}

const median = (xs) => spread(xs).median;

async function round(cli, env) {
  const t0 = performance.now();
  const server = await startStdio(env, [], cli);
  let out;
  try {
    await listPage(server.client);
    const coldStartMs = performance.now() - t0;
    // CPU (10 ms ticks) is steadier than wall time on a shared machine: the server's, up to the first page.
    const coldCpuMs = cpuMicros(server.pid) / 1000;
    const cold = await sdkAll(server.client);
    const alls = [];
    const cpu0 = cpuMicros(server.pid);
    for (let i = 0; i < lists; i++) alls.push((await sdkAll(server.client)).ms);
    const listCpuMs = (cpuMicros(server.pid) - cpu0) / 1000 / lists;
    out = { coldStartMs, coldCpuMs, tools: cold.n, sdkAllMs: median(alls), listCpuMs, peakRssMB: memory(server.pid).peakMB };
  } finally {
    await server.close();
  }
  const raw = await startRawStdio(env, [], cli);
  try {
    await rawAll(raw);
    const alls = [];
    for (let i = 0; i < lists; i++) alls.push(await rawAll(raw));
    out.rawAllMs = median(alls);
    out.rawPeakRssMB = memory(raw.pid).peakMB;
  } finally {
    await raw.close();
  }
  return out;
}

const envs = clis.map((cli) => {
  const e = freshEnv();
  loadCatalog({ cli, env: e.env, dir: e.dir, upstreamUrl: 'http://127.0.0.1:9/', token: randomBytes(16).toString('hex'), extraTools: tools });
  return e;
});
const keys = ['coldStartMs', 'coldCpuMs', 'peakRssMB', 'sdkAllMs', 'listCpuMs', 'rawAllMs', 'rawPeakRssMB'];
const results = clis.map(() => []);
try {
  for (let r = 0; r < rounds; r++) {
    const order = clis.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) results[i].push(await round(clis[i], envs[i].env));
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
  }
} finally {
  for (const e of envs) e.cleanup();
}
const f = (s, d) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
clis.forEach((cli, i) => {
  const rs = results[i];
  console.log(`${String.fromCharCode(65 + i)} ${cli} (${rs[0].tools} tools)`);
  for (const k of keys) console.log(`  ${k.padEnd(12)} ${f(spread(rs.map((x) => x[k])), 1)}`);
});
for (let i = 1; i < clis.length; i++) {
  const b = String.fromCharCode(65 + i);
  for (const k of keys) {
    const ratios = results[i].map((x, j) => x[k] / results[0][j][k]);
    console.log(`paired ${b}/A ${k.padEnd(12)} ${f(spread(ratios), 3)}  (${b} higher in ${ratios.filter((x) => x > 1).length}/${ratios.length})`);
  }
}
