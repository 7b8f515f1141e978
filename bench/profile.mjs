// `node bench/profile.mjs stdio|sessions|stateless [--concurrency N] [--seconds S] [--interval µs] [--json FILE]`: runs
// one target under `node --cpu-prof` with the load generator and prints where its CPU went (self time by
// function and by package), counting only the samples taken during the timed run (start-up, warm-up and
// shutdown left out), also as µs per call so two builds compare directly (BENCH_CLI=… for another
// build; --json writes the per-function µs per call for bench/profile-diff.mjs). Profiles land in
// bench/profiles/ (git-ignored).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { loadCatalog } from './catalog.mjs';
import { CLI, freshEnv, startHttp, startRawStdio } from './launch.mjs';
import { rawHttpCaller, rawStdioCaller } from './load.mjs';
import { timedRun, warmUp } from './measure.mjs';
import { forkUpstream } from './upstream-process.mjs';

const argv = process.argv.slice(2);
const target = argv[0] ?? 'stdio';
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const concurrency = Number(opt('--concurrency', 1));
const seconds = Number(opt('--seconds', 4));
const top = Number(opt('--top', 30));
const dir = new URL(`./profiles/${target}-c${concurrency}-${Date.now()}/`, import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', opt('--interval', '1000')];

const token = randomBytes(16).toString('hex');
const upstream = await forkUpstream(token);
const { env, dir: dbDir, cleanup } = freshEnv();
loadCatalog({ cli: CLI, env, dir: dbDir, upstreamUrl: upstream.url, token });
let server;
let call;
if (target === 'stdio') {
  server = await startRawStdio(env, nodeArgs);
  call = rawStdioCaller(server);
} else {
  server = await startHttp(env, { stateless: target === 'stateless', nodeArgs });
  call = await rawHttpCaller(server.url, server.token, { session: target === 'sessions' });
}
await warmUp(call, 500);
// The profile's timestamps are the monotonic clock in µs, as process.hrtime is (same machine).
const windowStart = Number(process.hrtime.bigint() / 1000n);
const run = await timedRun(call, { concurrency, durationMs: seconds * 1000, pid: server.pid });
const windowEnd = Number(process.hrtime.bigint() / 1000n);
console.log(
  `${target} c=${concurrency}: ${run.callsPerSec.toFixed(0)}/s, p50 ${run.p50Ms.toFixed(3)} ms, ${run.cpuPerCallUs.toFixed(0)} µs CPU/call (profiling inflates these)`,
);
call.close?.();
await server.close();
await upstream.close();
cleanup();

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${dir}`);
const profile = JSON.parse(readFileSync(dir + file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  const delta = profile.timeDeltas[i + 1] ?? 0; // a sample stands for the time until the next one
  if (at < windowStart || at > windowEnd) continue;
  const node = byId.get(profile.samples[i]);
  self.set(node, (self.get(node) ?? 0) + delta);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idleNames = new Set(['(idle)', '(program)']);
const busy = [...self].filter(([n]) => !idleNames.has(n.callFrame.functionName)).reduce((a, [, t]) => a + t, 0);
const pkg = (url) => {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  return url.includes('/dist/') ? `toolwire ${url.slice(url.indexOf('/dist/') + 6)}` : url;
};
const add = (map, key, t) => map.set(key, (map.get(key) ?? 0) + t);
const fns = new Map();
const pkgs = new Map();
for (const [node, t] of self) {
  const { functionName, url, lineNumber } = node.callFrame;
  add(fns, `${functionName || '(anonymous)'} ${pkg(url)}:${lineNumber + 1}`, t);
  add(pkgs, idleNames.has(functionName) ? functionName : pkg(url), t);
}
const perCall = (t) => t / run.calls;
const show = (title, map, n) => {
  console.log(`\n${title} (share of busy time; busy = ${((busy / total) * 100).toFixed(0)}% of the timed run, ${perCall(busy).toFixed(1)} µs/call)`);
  for (const [k, t] of [...map]
    .sort((a, b) => b[1] - a[1])
    .filter(([k]) => !k.startsWith('(idle)'))
    .slice(0, n))
    console.log(`${((t / busy) * 100).toFixed(1).padStart(5)}% ${perCall(t).toFixed(2).padStart(7)} µs/call  ${k}`);
};
show('by package / file', pkgs, 25);
show('by function (self)', fns, top);
const jsonOut = opt('--json', null);
if (jsonOut) {
  const { writeFileSync } = await import('node:fs');
  const obj = (map) => Object.fromEntries([...map].map(([k, t]) => [k, perCall(t)]));
  writeFileSync(
    jsonOut,
    JSON.stringify({
      target,
      concurrency,
      calls: run.calls,
      cpuPerCallUs: run.cpuPerCallUs,
      busyUsPerCall: perCall(busy),
      packages: obj(pkgs),
      functions: obj(fns),
    }),
  );
}
console.log(`\nprofile: ${dir}${file}`);
