// Writes docs/benchmarks.json (every run of every round) and the generated part of docs/benchmarks.md
// (between the markers; the hand-written notes around them are kept).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { spread } from './stats.mjs';

const DOCS = new URL('../docs/', import.meta.url).pathname;
const START = '<!-- bench:generated:start -->';
const END = '<!-- bench:generated:end -->';

const at = (round, key, concurrency) => round.calls[key]?.find((run) => run.concurrency === concurrency);

/** Median and min–max over rounds of one figure computed per round. */
function over(rounds, fn) {
  return spread(rounds.map(fn));
}

function fmt(s, digits = 0, unit = '') {
  if (!s || !Number.isFinite(s.median)) return '—';
  const f = (x) => x.toFixed(digits);
  return `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

export function summarize({ targets, rounds, instances }) {
  const added = (key) => over(rounds, (r) => at(r, key, 1).p50Ms - at(r, 'direct', 1).p50Ms);
  const fig = (key, c, field) => over(rounds, (r) => at(r, key, c)?.[field]);
  const scale = (n, field) => over(rounds, (r) => r.scale[n]?.[field]);
  const perTarget = Object.fromEntries(
    targets.map(({ key }) => [
      key,
      {
        p50Ms: fig(key, 1, 'p50Ms'),
        p99Ms: fig(key, 1, 'p99Ms'),
        addedP50Ms: key === 'direct' ? null : added(key),
        callsPerSec: Object.fromEntries([1, 8, 32].map((c) => [c, fig(key, c, 'callsPerSec')])),
        cpuPerCallUs: Object.fromEntries([1, 8, 32].map((c) => [c, fig(key, c, 'cpuPerCallUs')])),
        clientCpuPerCallUs: Object.fromEntries([1, 8, 32].map((c) => [c, fig(key, c, 'clientCpuPerCallUs')])),
        upstreamCpuPerCallUs: Object.fromEntries([1, 8, 32].map((c) => [c, fig(key, c, 'upstreamCpuPerCallUs')])),
      },
    ]),
  );
  const scales = Object.fromEntries(
    Object.keys(rounds[0]?.scale ?? {}).map((n) => [
      n,
      {
        coldStartMs: scale(n, 'coldStartMs'),
        listFirstPageMs: scale(n, 'listFirstPageMs'),
        listAllPagesMs: scale(n, 'listAllPagesMs'),
        listAllPagesServerCpuMs: scale(n, 'listAllPagesServerCpuMs'),
        peakRssMB: scale(n, 'peakRssMB'),
        rawListFirstPageMs: scale(n, 'rawListFirstPageMs'),
        rawListAllPagesMs: scale(n, 'rawListAllPagesMs'),
        pages: rounds[0].scale[n].pages,
      },
    ]),
  );
  const t = perTarget;
  const s10k = scales['10000'];
  const githubImportMs = over(rounds, (r) => r.githubImport?.ms);
  const check = (s, limit, lowerIsBetter = true) =>
    Number.isFinite(s?.median) ? ((lowerIsBetter ? s.median <= limit : s.median >= limit) ? 'met' : 'MISSED') : '—';
  const targetRows = [
    ['server CPU per tools/call, stdio (1 in flight)', '≤ 300 µs', fmt(t['stdio-sdk'].cpuPerCallUs[1], 0, ' µs'), check(t['stdio-sdk'].cpuPerCallUs[1], 300)],
    [
      'server CPU per tools/call, HTTP stateless (load generator, 1 in flight)',
      '≤ 500 µs',
      fmt(t['http-stateless-raw'].cpuPerCallUs[1], 0, ' µs'),
      check(t['http-stateless-raw'].cpuPerCallUs[1], 500),
    ],
    [
      'server CPU per tools/call, HTTP sessions (load generator, 1 in flight)',
      '≤ 500 µs',
      fmt(t['http-sessions-raw'].cpuPerCallUs[1], 0, ' µs'),
      check(t['http-sessions-raw'].cpuPerCallUs[1], 500),
    ],
    ['added p50 over the direct call, stdio (SDK Client)', '≤ 0.3 ms', fmt(t['stdio-sdk'].addedP50Ms, 3, ' ms'), check(t['stdio-sdk'].addedP50Ms, 0.3)],
    [
      'added p50 over the direct call, HTTP stateless (load generator)',
      '≤ 0.6 ms',
      fmt(t['http-stateless-raw'].addedP50Ms, 3, ' ms'),
      check(t['http-stateless-raw'].addedP50Ms, 0.6),
    ],
    [
      'added p50 over the direct call, HTTP sessions (load generator)',
      '≤ 0.6 ms',
      fmt(t['http-sessions-raw'].addedP50Ms, 3, ' ms'),
      check(t['http-sessions-raw'].addedP50Ms, 0.6),
    ],
    [
      'tools/call per second, HTTP stateless, load generator, 32 in flight',
      '≥ 5,000',
      fmt(t['http-stateless-raw'].callsPerSec[32], 0, '/s'),
      check(t['http-stateless-raw'].callsPerSec[32], 5000, false),
    ],
    ['10,000 tools: cold start to the first tools/list page', '≤ 1 s', fmt(s10k?.coldStartMs, 0, ' ms'), check(s10k?.coldStartMs, 1000)],
    ['10,000 tools: tools/list, first page (what a client waits for)', '≤ 50 ms', fmt(s10k?.listFirstPageMs, 1, ' ms'), check(s10k?.listFirstPageMs, 50)],
    [`10,000 tools: tools/list, all ${s10k?.pages ?? ''} pages`, '≤ 50 ms', fmt(s10k?.listAllPagesMs, 1, ' ms'), check(s10k?.listAllPagesMs, 50)],
    ['10,000 tools: peak RSS (VmHWM)', '≤ 150 MB', fmt(s10k?.peakRssMB, 0, ' MB'), check(s10k?.peakRssMB, 150)],
    [
      `\`toolwire import\` of GitHub's REST description (${rounds[0]?.githubImport?.tools ?? '?'} tools), whole CLI run (issue 5)`,
      '< 10 s',
      fmt(githubImportMs, 0, ' ms'),
      check(githubImportMs, 10_000),
    ],
  ];
  // Issue 13: the 2026-07-28 fast path against the legacy one (same run), and against the upstream's own CPU.
  const ratio = (a, b, c) => over(rounds, (r) => at(r, a, c)?.cpuPerCallUs / at(r, b, c)?.cpuPerCallUs);
  const toUpstream = (key, c) => over(rounds, (r) => at(r, key, c)?.cpuPerCallUs / at(r, key, c)?.upstreamCpuPerCallUs);
  if (t['stdio-2026-raw'] && t['http-2026-raw']) {
    targetRows.push(
      [
        'server CPU per call, 2026-07-28 ÷ 2025-11-25 fast path, stdio raw (1 in flight)',
        '≤ 1× (5 % for noise)',
        fmt(ratio('stdio-2026-raw', 'stdio-raw', 1), 2, '×'),
        check(ratio('stdio-2026-raw', 'stdio-raw', 1), 1.05),
      ],
      [
        'server CPU per call, 2026-07-28 ÷ 2025-11-25 stateless fast path, HTTP load generator (1 in flight)',
        '≤ 1× (5 % for noise)',
        fmt(ratio('http-2026-raw', 'http-stateless-raw', 1), 2, '×'),
        check(ratio('http-2026-raw', 'http-stateless-raw', 1), 1.05),
      ],
      [
        'server CPU ÷ upstream CPU per call, 2026-07-28 stdio (32 in flight; aim)',
        '≤ 2.5×',
        fmt(toUpstream('stdio-2026-raw', 32), 2, '×'),
        check(toUpstream('stdio-2026-raw', 32), 2.5),
      ],
      [
        'server CPU ÷ upstream CPU per call, 2026-07-28 HTTP (32 in flight; aim)',
        '≤ 3×',
        fmt(toUpstream('http-2026-raw', 32), 2, '×'),
        check(toUpstream('http-2026-raw', 32), 3),
      ],
    );
  }
  // Issue 14: a call with the caller's own credential costs no more server CPU than with the shared one.
  if (t['http-client-own'] && t['http-client-shared']) {
    for (const c of [1, 32]) {
      targetRows.push([
        `server CPU per call, a client's own credential ÷ the shared one, HTTP 2026-07-28 (${c} in flight)`,
        '≤ 1× (5 % for noise)',
        fmt(ratio('http-client-own', 'http-client-shared', c), 2, '×'),
        check(ratio('http-client-own', 'http-client-shared', c), 1.05),
      ]);
    }
  }
  // Issue 11: one small admin write with 10 and with 10,000 tools (bench/write-cost.mjs).
  const writeSizes = Object.keys(rounds[0]?.writes ?? {});
  const writes = Object.fromEntries(
    writeSizes.map((n) => [
      n,
      {
        tools: rounds[0].writes[n].tools,
        writeMedianMs: over(rounds, (r) => r.writes[n]?.writeMedianMs),
        writeMaxMs: over(rounds, (r) => r.writes[n]?.writeMaxMs),
        worstCallAfterWriteMs: over(rounds, (r) => r.writes[n]?.worstCallAfterWriteMs),
        quietCallP99Ms: over(rounds, (r) => r.writes[n]?.quietCallP99Ms),
      },
    ]),
  );
  const writeRatio = writes['10'] && writes['10000'] ? over(rounds, (r) => r.writes['10000'].writeMedianMs / r.writes['10'].writeMedianMs) : null;
  if (writeRatio) targetRows.push(['one small admin write, 10,000 tools ÷ 10 tools (issue 11)', '≤ 3×', fmt(writeRatio, 2, '×'), check(writeRatio, 3)]);
  // Issue 15: the audit log and metrics on ÷ off, server CPU per call (bench/ops-cost.mjs).
  if (rounds.every((r) => r.ops)) {
    const opsRatio = over(rounds, (r) => r.ops.ratio);
    const cpu = (key) =>
      fmt(
        over(rounds, (r) => r.ops[key].cpuPerCallUs),
        0,
        ' µs',
      );
    targetRows.push([
      `server CPU per call, audit log + metrics on ÷ off (issue 15; off ${cpu('off')}, on ${cpu('on')}; 2026-07-28 HTTP, 8 in flight)`,
      '≤ 1.15×',
      fmt(opsRatio, 3, '×'),
      check(opsRatio, 1.15),
    ]);
  }
  // Issue 16: cold start with 10,000 tools on PostgreSQL (bench/instances.mjs).
  targetRows.push(...instancesTargetRows(instances, check));
  return { perTarget, scales, githubImportMs, targetRows, writes, writeRatio };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function markdown(data, summary, host) {
  const { meta, targets, rss, upstream } = data;
  const { perTarget, scales, targetRows } = summary;
  const lines = [];
  lines.push(
    `Generated by \`npm run bench${meta.quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${meta.rounds} interleaved round(s), ${meta.durationMs} ms per timed run, ${meta.wallSeconds.toFixed(0)} s in all.`,
  );
  lines.push(
    `Machine: ${host.cpu}, ${host.cores} cores, Node ${host.node}, ${host.os}; load average at the end ${host.loadAverage.join(' / ')} (shared machine: other jobs ran alongside).`,
  );
  lines.push(
    `Figures are the median over rounds, with the min–max across rounds in parentheses. Upstream: ${upstream.calls} calls, ${upstream.rejects} credential rejects.`,
  );
  lines.push('');
  lines.push('### Targets (issue 6)');
  lines.push('');
  lines.push('| figure | target | measured | |');
  lines.push('|---|---|---|---|');
  for (const row of targetRows) lines.push(`| ${row.join(' | ')} |`);
  lines.push('');
  lines.push('### tools/call');
  lines.push('');
  lines.push('| path | p50 (1 in flight) | p99 | added p50 | calls/s at 1 · 8 · 32 in flight | server CPU µs/call at 1 · 8 · 32 |');
  lines.push('|---|---|---|---|---|---|');
  for (const { key, label } of targets) {
    const t = perTarget[key];
    const cps = [1, 8, 32].map((c) => fmt(t.callsPerSec[c])).join(' · ');
    const cpu = key === 'direct' ? '—' : [1, 8, 32].map((c) => fmt(t.cpuPerCallUs[c])).join(' · ');
    lines.push(`| ${label} | ${fmt(t.p50Ms, 3, ' ms')} | ${fmt(t.p99Ms, 3, ' ms')} | ${t.addedP50Ms ? fmt(t.addedP50Ms, 3, ' ms') : '—'} | ${cps} | ${cpu} |`);
  }
  lines.push('');
  lines.push(
    'CPU per call of the whole chain at 32 in flight (server · load generator or client · upstream), and the calls/s two fully free cores could serve at that cost:',
  );
  lines.push('');
  lines.push('| path | server µs | client µs | upstream µs | ceiling on 2 cores |');
  lines.push('|---|---|---|---|---|');
  for (const { key, label } of targets) {
    const t = perTarget[key];
    const parts = [key === 'direct' ? 0 : t.cpuPerCallUs[32].median, t.clientCpuPerCallUs[32].median, t.upstreamCpuPerCallUs[32].median];
    const sum = parts.reduce((a, b) => a + b, 0);
    lines.push(
      `| ${label} | ${key === 'direct' ? '—' : parts[0].toFixed(0)} | ${parts[1].toFixed(0)} | ${parts[2].toFixed(0)} | ${Number.isFinite(sum) && sum > 0 ? `${(2e6 / sum).toFixed(0)}/s` : '—'} |`,
    );
  }
  lines.push('');
  lines.push(
    `RSS after the call runs (peak / current): ${Object.entries(rss)
      .map(([k, m]) => `${k} ${m.peakMB.toFixed(0)} / ${m.rssMB.toFixed(0)} MB`)
      .join('; ')}.`,
  );
  lines.push('');
  lines.push('### Large registries (stdio, SDK Client)');
  lines.push('');
  lines.push(
    '| tools | cold start → first tools/list page | tools/list first page | all pages | server CPU for all pages | raw client: first page · all pages | peak RSS |',
  );
  lines.push('|---|---|---|---|---|---|---|');
  for (const [n, s] of Object.entries(scales)) {
    lines.push(
      `| ${Number(n).toLocaleString('en-US')} (+1) in ${s.pages} pages | ${fmt(s.coldStartMs, 0, ' ms')} | ${fmt(s.listFirstPageMs, 1, ' ms')} | ${fmt(s.listAllPagesMs, 1, ' ms')} | ${fmt(s.listAllPagesServerCpuMs, 1, ' ms')} | ${fmt(s.rawListFirstPageMs, 1, ' ms')} · ${fmt(s.rawListAllPagesMs, 1, ' ms')} | ${fmt(s.peakRssMB, 0, ' MB')} |`,
    );
  }
  if (Object.keys(summary.writes ?? {}).length > 0) {
    lines.push('');
    lines.push('### One small admin write with calls running (HTTP sessions, `PUT /admin/tools/:id`)');
    lines.push('');
    lines.push('| tools | write, median | write, slowest | worst call around a write | calls away from writes, p99 |');
    lines.push('|---|---|---|---|---|');
    for (const w of Object.values(summary.writes)) {
      lines.push(
        `| ${w.tools.toLocaleString('en-US')} | ${fmt(w.writeMedianMs, 2, ' ms')} | ${fmt(w.writeMaxMs, 2, ' ms')} | ${fmt(w.worstCallAfterWriteMs, 2, ' ms')} | ${fmt(w.quietCallP99Ms, 2, ' ms')} |`,
      );
    }
  }
  if (data.instances) {
    lines.push('');
    lines.push(instancesMarkdown(data.instances));
  }
  return lines.join('\n');
}

/** The instance counts measured, in order, and one figure of one count at 32 in flight (its median). */
const countsOf = (instances) =>
  Object.keys(instances.summary)
    .map(Number)
    .sort((a, b) => a - b);
const at32 = (instances, n, field) => instances.summary[n]?.[`c32${field}`]?.median ?? NaN;

/** The CPU split at 32 in flight for one instance count: µs per call of each part, and their sum. */
function cpuSplit(instances, n) {
  const parts = {
    instances: at32(instances, n, 'ServerCpuPerCallUs'),
    balancer: at32(instances, n, 'BalancerCpuPerCallUs'),
    upstream: at32(instances, n, 'UpstreamCpuPerCallUs'),
    postgres: at32(instances, n, 'DbCpuPerCallUs'),
    load: at32(instances, n, 'LoadCpuPerCallUs'),
  };
  const total = Object.values(parts).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { parts, total };
}

/** Issue 16's targets rows: cold start with 10,000 tools on PostgreSQL (one instance, and the slowest of three). */
export function instancesTargetRows(instances, check) {
  if (!instances?.summary) return [];
  const counts = countsOf(instances);
  const rows = [];
  for (const n of [counts[0], counts.at(-1)]) {
    const s = instances.summary[n]?.coldStartMs;
    rows.push([
      `${(instances.tools - 1).toLocaleString('en-US')} tools on PostgreSQL: cold start to the first tools/list page, ${n === 1 ? 'one instance' : `the slowest of ${n} started at once`}`,
      '≤ 1 s',
      fmt(s, 0, ' ms'),
      check(s, 1000),
    ]);
    if (counts.length === 1) break;
  }
  return rows;
}

/** The section on several instances (issue 16): figures per instance count, the CPU split, and what limits scaling. */
export function instancesMarkdown(instances) {
  if (!instances) return '';
  const lines = ['### Several instances on one PostgreSQL (issue 16, `bench/instances.mjs`)', ''];
  if (!instances.summary) {
    lines.push(`Not measured in this run: ${instances.skipped}.`);
    return lines.join('\n');
  }
  const counts = countsOf(instances);
  lines.push(
    `${instances.tools.toLocaleString('en-US')} tools imported in ${(instances.importMs / 1000).toFixed(1)} s into ${instances.target}; each count started cold (all instances at once), then 2026-07-28 tools/call (stateless) through bench/balancer.mjs (round robin, its own process), ${instances.durationMs} ms per timed run, ${instances.rounds.length / counts.length} round(s). CPU per call from /proc: the instances summed, the balancer, the upstream, PostgreSQL (postmaster and backends) and the load generator.`,
  );
  lines.push('');
  lines.push('| instances | cold start (slowest) | RSS each | calls/s at 8 · 32 in flight | p99 at 32 | instances µs/call at 8 · 32 |');
  lines.push('|---|---|---|---|---|---|');
  for (const n of counts) {
    const x = instances.summary[n];
    lines.push(
      `| ${n} | ${fmt(x.coldStartMs, 0, ' ms')} | ${fmt(x.rssMB, 0, ' MB')} | ${fmt(x.c8CallsPerSec)} · ${fmt(x.c32CallsPerSec)} | ${fmt(x.c32P99Ms, 1, ' ms')} | ${fmt(x.c8ServerCpuPerCallUs)} · ${fmt(x.c32ServerCpuPerCallUs)} |`,
    );
  }
  lines.push('');
  lines.push("Where a call's CPU goes at 32 in flight (µs per call, medians), and what the machine's cores could serve at that cost:");
  lines.push('');
  lines.push('| instances | instances | balancer | upstream | PostgreSQL | load generator | all | ceiling on these cores | measured |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  const cores = instances.cores ?? 2;
  const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '—');
  for (const n of counts) {
    const { parts, total } = cpuSplit(instances, n);
    lines.push(
      `| ${n} | ${f0(parts.instances)} | ${f0(parts.balancer)} | ${f0(parts.upstream)} | ${f0(parts.postgres)} | ${f0(parts.load)} | ${f0(total)} | ${f0((cores * 1e6) / total)}/s | ${f0(at32(instances, n, 'CallsPerSec'))}/s |`,
    );
  }
  lines.push('');
  lines.push(scalingParagraph(instances, counts, cores));
  return lines.join('\n');
}

/** "What limits scaling here, and what it would be on more cores", from the measured CPU split. */
function scalingParagraph(instances, counts, cores) {
  const one = cpuSplit(instances, counts[0]);
  const last = counts.at(-1);
  const many = cpuSplit(instances, last);
  const pct = (x, total) => `${((100 * x) / total).toFixed(0)} %`;
  const rate = (n) => at32(instances, n, 'CallsPerSec');
  const perInstance = one.parts.instances; // one instance's CPU per call (1 instance serves every call)
  const pg = many.parts.postgres;
  const others = many.total - many.parts.instances - (Number.isFinite(pg) ? pg : 0);
  return [
    '**What limits scaling here, and on more cores.**',
    `On this ${cores}-core machine every part of the chain shares the same cores, so extra instances add no CPU: with ${counts[0]} instance a call costs ${one.total.toFixed(0)} µs of CPU in all, of which toolwire ${pct(one.parts.instances, one.total)}, the balancer ${pct(one.parts.balancer, one.total)}, the upstream ${pct(one.parts.upstream, one.total)}, PostgreSQL ${Number.isFinite(one.parts.postgres) ? pct(one.parts.postgres, one.total) : '—'} and the load generator ${pct(one.parts.load, one.total)};`,
    `${cores} cores at that cost serve at most ${((cores * 1e6) / one.total).toFixed(0)} calls/s (measured ${rate(counts[0]).toFixed(0)}/s; with ${last} instances ${rate(last).toFixed(0)}/s, ${many.total.toFixed(0)} µs a call in all).`,
    rate(counts[0]) >= 0.8 * ((cores * 1e6) / one.total)
      ? 'Throughput is bound by the cores here, not by toolwire or PostgreSQL.'
      : `The measured rate is ${pct(rate(counts[0]), (cores * 1e6) / one.total)} of that ceiling: the cores were shared with other work (load average in the header), so the rates are lower bounds.`,
    `From ${counts[0]} to ${last} instances toolwire's own CPU per call goes from ${one.parts.instances.toFixed(0)} to ${many.parts.instances.toFixed(0)} µs.`,
    `On more cores, with the load generator, the upstream and a production balancer elsewhere, each instance is one Node thread and serves up to about ${(1e6 / perInstance).toFixed(0)} calls/s (1 s ÷ ${perInstance.toFixed(0)} µs), so N instances on N cores about N times that;`,
    Number.isFinite(pg)
      ? `the shared part is PostgreSQL, ${pg.toFixed(1)} µs a call (audit batches, one transaction per instance every 200 ms), so one PostgreSQL core keeps up with about ${(1e6 / Math.max(pg, 0.1)).toFixed(0)} calls/s before the database, not the instances, sets the limit.`
      : "PostgreSQL's CPU was not measured in this run.",
    `The balancer here is a Node proxy: ${many.parts.balancer.toFixed(0)} µs a call, ${pct(many.parts.balancer, many.parts.instances)} of toolwire's own; the parts outside toolwire and PostgreSQL together cost ${others.toFixed(0)} µs a call on this machine.`,
  ].join(' ');
}

const SKELETON = `# Benchmarks

${START}
${END}
`;

export function writeReport(data) {
  const summary = summarize(data);
  const host = machine();
  const jsonFile = `${DOCS}benchmarks.json`;
  const mdFile = `${DOCS}benchmarks.md`;
  writeFileSync(
    jsonFile,
    `${JSON.stringify({ machine: host, ...data, summary: { perTarget: summary.perTarget, scales: summary.scales, githubImportMs: summary.githubImportMs, writes: summary.writes, writeRatio: summary.writeRatio, instances: data.instances?.summary ?? null } }, null, 1)}\n`,
  );
  const current = existsSync(mdFile) ? readFileSync(mdFile, 'utf8') : SKELETON;
  const [before, rest] = current.includes(START) ? current.split(START) : [SKELETON.split(START)[0], `\n${END}\n`];
  const after = rest.slice(rest.indexOf(END) + END.length);
  writeFileSync(mdFile, `${before}${START}\n${markdown(data, summary, host)}\n${END}${after}`);
  return [mdFile, jsonFile];
}
