// `node bench/profile.mjs stdio|sessions|stateless [--concurrency N] [--seconds S]`: runs one target
// under `node --cpu-prof` with the load generator and prints where its CPU went (self time by function
// and by package). Profiles land in bench/profiles/ (git-ignored).
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
const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', dir];

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
const run = await timedRun(call, { concurrency, durationMs: seconds * 1000, pid: server.pid });
console.log(`${target} c=${concurrency}: ${run.callsPerSec.toFixed(0)}/s, p50 ${run.p50Ms.toFixed(3)} ms, ${run.cpuPerCallUs.toFixed(0)} µs CPU/call (profiling inflates these)`);
call.close?.();
await server.close();
await upstream.close();
cleanup();

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${dir}`);
const profile = JSON.parse(readFileSync(dir + file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  self.set(node, (self.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0));
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
const show = (title, map, n) => {
  console.log(`\n${title} (share of busy time; busy = ${((busy / total) * 100).toFixed(0)}% of the profile)`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).filter(([k]) => !k.startsWith('(idle)')).slice(0, n)) console.log(`${((t / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
};
show('by package / file', pkgs, 25);
show('by function (self)', fns, top);
console.log(`\nprofile: ${dir}${file}`);
