// `npm run bench [-- --quick] [-- --rounds N] [-- --only SECTION,...]`: toolwire over stdio, HTTP with
// sessions and HTTP stateless against a local upstream, in interleaved rounds; writes
// docs/benchmarks.{md,json}. Sections: calls, scale, import, writes (an admin write with 10 and 10,000
// tools), ops, instances (1, 2 and 3 instances on one embedded PostgreSQL behind bench/balancer.mjs, and cold
// start with 10,000 tools; skipped with a reason when PostgreSQL is not available); `--only` (or BENCH_ONLY)
// runs just those and prints their figures without writing the report.
import { randomBytes } from 'node:crypto';
import { addPerUserClients, loadCatalog } from './catalog.mjs';
import { CLI, connectHttpClient, freshEnv, startHttp, startRawStdio, startStdio } from './launch.mjs';
import { directCaller, rawHttpCaller, rawStdioCaller, sdkCaller } from './load.mjs';
import { timedRun, warmUp } from './measure.mjs';
import { memory } from './proc.mjs';
import { instancesMarkdown, writeReport } from './report.mjs';
import { instancesBench, postgresUnavailable } from './instances.mjs';
import { scaleRound } from './scale.mjs';
import { githubImportRound } from './openapi-import.mjs';
import { writeCostRound } from './write-cost.mjs';
import { opsCostRounds } from './ops-cost.mjs';
import { spread } from './stats.mjs';
import { forkUpstream } from './upstream-process.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : argv[i + 1];
};
const ROUNDS = Number(opt('--rounds', quick ? 1 : 3));
const DURATION_MS = Number(opt('--duration', quick ? 1000 : 1200));
const CONCURRENCY = [1, 8, 32];
const SCALES = quick ? [1000, 10000] : [1000, 10000];
const WRITE_SIZES = [10, 10000];
const ONLY = (opt('--only', null) ?? process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const SECTIONS = ['calls', 'scale', 'import', 'writes', 'ops', 'instances'];
for (const name of ONLY) if (!SECTIONS.includes(name)) throw new Error(`--only: unknown section "${name}" (sections: ${SECTIONS.join(', ')})`);
const runs = (section) => ONLY.length === 0 || ONLY.includes(section);
const WRITE = !argv.includes('--no-write') && ONLY.length === 0;

const log = (line) => process.stderr.write(`${line}\n`);
const cleanups = [];
const started = Date.now();

async function main() {
  const upstreamToken = randomBytes(16).toString('hex');
  const upstream = await forkUpstream(upstreamToken);
  cleanups.push(() => upstream.close());
  log(`upstream on ${upstream.url}`);

  // One fresh database per target.
  const envFor = (extraTools = 0) => {
    const e = freshEnv();
    cleanups.push(async () => e.cleanup());
    loadCatalog({ cli: CLI, env: e.env, dir: e.dir, upstreamUrl: upstream.url, token: upstreamToken, extraTools });
    return e.env;
  };

  const rounds = Array.from({ length: ROUNDS }, () => ({ calls: {}, scale: {}, writes: {}, ops: null }));
  let targets = [];
  let rss = {};
  if (runs('calls')) ({ targets, rss } = await callRounds(envFor, upstream, upstreamToken, rounds));

  // Large registries: a fresh database each, cold starts interleaved across sizes.
  if (runs('scale')) {
    const scaleEnvs = Object.fromEntries(SCALES.map((n) => [n, envFor(n)]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const n of r % 2 ? [...SCALES].reverse() : SCALES) {
        // n generated tools, the measured one, and toolwire_read_more (listed with every HTTP provider).
        const result = await scaleRound(scaleEnvs[n], n + 2, quick ? 3 : 5);
        rounds[r].scale[n] = result;
        log(
          `round ${r + 1}/${ROUNDS} ${String(n).padStart(5)} tools: cold start ${result.coldStartMs.toFixed(0)} ms, list first page ${result.listFirstPageMs.toFixed(1)} ms, all ${result.pages} pages ${result.listAllPagesMs.toFixed(1)} ms, peak RSS ${result.peakRssMB.toFixed(0)} MB`,
        );
      }
    }
  }

  // OpenAPI import (issue 5: GitHub's description in under 10 s), one timed CLI run per round.
  if (runs('import')) {
    for (let r = 0; r < ROUNDS; r++) {
      rounds[r].githubImport = githubImportRound();
      log(
        `round ${r + 1}/${ROUNDS} toolwire import of GitHub's description: ${rounds[r].githubImport.ms.toFixed(0)} ms, ${rounds[r].githubImport.tools} tools`,
      );
    }
  }

  // One small admin write with calls running (issue 11): 10 and 10,000 tools, a served database each,
  // sizes interleaved across rounds.
  if (runs('writes')) {
    const writeEnvs = Object.fromEntries(WRITE_SIZES.map((n) => [n, envFor(n - 1)]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const n of r % 2 ? [...WRITE_SIZES].reverse() : WRITE_SIZES) {
        const result = await writeCostRound(writeEnvs[n], { writes: quick ? 10 : 20 });
        rounds[r].writes[n] = result;
        log(
          `round ${r + 1}/${ROUNDS} ${String(result.tools).padStart(5)} tools: admin write median ${result.writeMedianMs.toFixed(2)} ms (max ${result.writeMaxMs.toFixed(2)}), worst call around a write ${result.worstCallAfterWriteMs.toFixed(2)} ms (median of writes ${result.worstCallAfterWriteMedianMs.toFixed(2)}), quiet calls p99 ${result.quietCallP99Ms.toFixed(2)} ms${result.writeErrors || result.callErrors ? ` ERRORS writes ${result.writeErrors} calls ${result.callErrors}` : ''}`,
        );
      }
    }
    const [small, large] = WRITE_SIZES.map((n) => spread(rounds.map((r) => r.writes[n]?.writeMedianMs)));
    const ratio = spread(rounds.map((r) => r.writes[WRITE_SIZES[1]].writeMedianMs / r.writes[WRITE_SIZES[0]].writeMedianMs));
    log(
      `admin write: ${WRITE_SIZES[0]} tools ${small.median.toFixed(2)} ms, ${WRITE_SIZES[1]} tools ${large.median.toFixed(2)} ms; ratio ${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}; goal ≤ 3×)`,
    );
  }

  // Issue 15: the audit log and metrics on vs off, server CPU per call, in the same run.
  if (runs('ops')) {
    const results = await opsCostRounds({
      envOff: envFor(),
      envOn: envFor(),
      rounds: ROUNDS,
      durationMs: DURATION_MS,
      upstreamPid: upstream.pid,
      log,
      cleanups,
    });
    results.forEach((result, r) => {
      rounds[r].ops = result;
    });
    const ratio = spread(results.map((r) => r.ratio));
    log(`audit log + metrics: ${ratio.median.toFixed(3)}× the server CPU per call of off (${ratio.min.toFixed(3)}–${ratio.max.toFixed(3)}; goal ≤ 1.15×)`);
  }

  // Issue 16: several instances on one PostgreSQL (bench/instances.mjs), when the embedded server can run here.
  let instances = null;
  if (runs('instances')) {
    const why = await postgresUnavailable();
    if (why) {
      instances = { skipped: why };
      log(`instances: skipped: ${why}`);
    } else {
      try {
        instances = await instancesBench({
          target: 'postgres',
          tools: 10_000,
          rounds: quick ? 1 : 2,
          durationMs: quick ? 1000 : 2000,
          counts: [1, 2, 3],
          upstream,
          upstreamToken,
          log,
        });
        log(instancesMarkdown(instances));
      } catch (err) {
        // The other sections' figures still get written; the report says why this one is missing.
        instances = { skipped: `the run failed: ${err.message}` };
        log(`instances: ${instances.skipped}`);
      }
    }
  }

  const upstreamStats = await upstream.stats();
  log(`upstream: ${upstreamStats.calls} calls, ${upstreamStats.rejects} credential rejects`);
  const meta = { quick, rounds: ROUNDS, durationMs: DURATION_MS, concurrency: CONCURRENCY, wallSeconds: (Date.now() - started) / 1000 };
  if (WRITE) {
    const files = writeReport({ meta, targets: targets.map(({ key, label }) => ({ key, label })), rounds, rss, upstream: upstreamStats, instances });
    log(`wrote ${files.join(', ')}`);
  }
}

/** tools/call through every target, every concurrency, in rotated order per round. */
async function callRounds(envFor, upstream, upstreamToken, rounds) {
  const stdioEnv = envFor();
  const sessionEnv = envFor();
  const statelessEnv = envFor();
  const perUserEnv = envFor();
  const perUserTokens = addPerUserClients({ cli: CLI, env: perUserEnv, token: upstreamToken });

  const stdio = await startStdio(stdioEnv);
  cleanups.push(() => stdio.close());
  const rawStdio = await startRawStdio(stdioEnv);
  cleanups.push(() => rawStdio.close());
  const modernStdio = await startRawStdio(stdioEnv, [], undefined, { modern: true });
  cleanups.push(() => modernStdio.close());
  const sessions = await startHttp(sessionEnv);
  cleanups.push(() => sessions.close());
  const stateless = await startHttp(statelessEnv, { stateless: true });
  cleanups.push(() => stateless.close());
  const perUser = await startHttp(perUserEnv);
  cleanups.push(() => perUser.close());
  const sessionSdk = await connectHttpClient(sessions.url, sessions.token);
  cleanups.push(() => sessionSdk.close());
  const statelessSdk = await connectHttpClient(stateless.url, stateless.token);
  cleanups.push(() => statelessSdk.close());
  const sessionRaw = await rawHttpCaller(sessions.url, sessions.token, { session: true });
  const statelessRaw = await rawHttpCaller(stateless.url, stateless.token);
  // 2026-07-28 on the sessions-mode server (any mode serves it, statelessly): no session lookup.
  const modernRaw = await rawHttpCaller(sessions.url, sessions.token, { modern: true });
  // Issue 14: two client identities on one server, the same provider: the shared credential vs the caller's own.
  const sharedCredentialRaw = await rawHttpCaller(perUser.url, perUserTokens.shared, { modern: true });
  const ownCredentialRaw = await rawHttpCaller(perUser.url, perUserTokens.own, { modern: true });
  const direct = directCaller(upstream.url, upstreamToken);
  cleanups.push(async () => {
    sessionRaw.close();
    statelessRaw.close();
    modernRaw.close();
    sharedCredentialRaw.close();
    ownCredentialRaw.close();
    direct.close();
  });

  /** Each target: a caller and the server pid whose CPU is measured. */
  const targets = [
    { key: 'direct', label: 'direct to the upstream (baseline)', call: direct, pid: null },
    { key: 'stdio-sdk', label: 'stdio, SDK Client', call: sdkCaller(stdio.client), pid: stdio.pid },
    { key: 'stdio-raw', label: 'stdio, raw JSON-RPC lines', call: rawStdioCaller(rawStdio), pid: rawStdio.pid },
    { key: 'http-sessions-sdk', label: 'HTTP sessions, SDK Client', call: sdkCaller(sessionSdk.client), pid: sessions.pid },
    { key: 'http-sessions-raw', label: 'HTTP sessions, load generator', call: sessionRaw, pid: sessions.pid },
    { key: 'http-stateless-sdk', label: 'HTTP stateless, SDK Client', call: sdkCaller(statelessSdk.client), pid: stateless.pid },
    { key: 'http-stateless-raw', label: 'HTTP stateless, load generator', call: statelessRaw, pid: stateless.pid },
    { key: 'stdio-2026-raw', label: 'stdio, 2026-07-28 raw JSON-RPC lines', call: rawStdioCaller(modernStdio), pid: modernStdio.pid },
    { key: 'http-2026-raw', label: 'HTTP 2026-07-28, load generator', call: modernRaw, pid: sessions.pid },
    { key: 'http-client-shared', label: 'HTTP 2026-07-28, a client identity, shared credential', call: sharedCredentialRaw, pid: perUser.pid },
    { key: 'http-client-own', label: 'HTTP 2026-07-28, a client identity, its own credential', call: ownCredentialRaw, pid: perUser.pid },
  ];
  for (const t of targets) await warmUp(t.call, quick ? 200 : 500);

  for (let r = 0; r < ROUNDS; r++) {
    const round = rounds[r];
    // Rotate the order each round so no target always runs first (or right after the same neighbour).
    const order = targets.map((_, i) => targets[(i + r) % targets.length]);
    for (const t of order) {
      round.calls[t.key] = [];
      for (const concurrency of CONCURRENCY) {
        const run = await timedRun(t.call, { concurrency, durationMs: DURATION_MS, pid: t.pid, upstreamPid: upstream.pid });
        round.calls[t.key].push(run);
        log(
          `round ${r + 1}/${ROUNDS} ${t.key.padEnd(20)} c=${String(concurrency).padEnd(2)} ${run.callsPerSec.toFixed(0).padStart(6)}/s p50 ${run.p50Ms.toFixed(3)} ms p99 ${run.p99Ms.toFixed(3)} ms cpu ${Number.isNaN(run.cpuPerCallUs) ? '-' : run.cpuPerCallUs.toFixed(0)} µs/call${run.errors ? ` ERRORS ${run.errors}` : ''}`,
        );
      }
    }
  }
  const rss = {
    stdio: memory(stdio.pid),
    'http-sessions': memory(sessions.pid),
    'http-stateless': memory(stateless.pid),
  };

  return { targets, rss };
}

async function cleanup() {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // best effort: every process we started still gets its turn
    }
  }
}

main().then(cleanup, async (err) => {
  log(`bench failed: ${err.stack ?? err}`);
  await cleanup();
  process.exitCode = 1;
});
