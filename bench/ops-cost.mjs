// Issue 15: what the audit log and metrics cost per call. Two `serve --http` servers on copies of one
// catalog, one with TOOLWIRE_AUDIT=0 TOOLWIRE_METRICS=0 (off) and one as shipped (on), called in alternating
// turns by the same load generator (2026-07-28 over HTTP, the fast path, 8 in flight); the figure is each
// server's CPU per call, and the ratio on ÷ off per round.
import { startHttp } from './launch.mjs';
import { rawHttpCaller } from './load.mjs';
import { timedRun, warmUp } from './measure.mjs';

export async function opsCostRounds({ envOff, envOn, rounds, durationMs, upstreamPid, log, cleanups }) {
  const off = await startHttp({ ...envOff, TOOLWIRE_AUDIT: '0', TOOLWIRE_METRICS: '0' });
  cleanups.push(() => off.close());
  const on = await startHttp(envOn);
  cleanups.push(() => on.close());
  const callers = { off: await rawHttpCaller(off.url, off.token, { modern: true }), on: await rawHttpCaller(on.url, on.token, { modern: true }) };
  cleanups.push(async () => {
    callers.off.close();
    callers.on.close();
  });
  const pids = { off: off.pid, on: on.pid };
  for (const key of ['off', 'on']) await warmUp(callers[key], 1000);
  const results = [];
  for (let r = 0; r < rounds; r++) {
    const round = {};
    // Three alternating turns each per round, so drift on a shared machine falls on both alike.
    const turns = { off: [], on: [] };
    for (let turn = 0; turn < 3; turn++) {
      for (const key of (r + turn) % 2 ? ['on', 'off'] : ['off', 'on']) {
        turns[key].push(await timedRun(callers[key], { concurrency: 8, durationMs, pid: pids[key], upstreamPid }));
      }
    }
    for (const key of ['off', 'on']) {
      const calls = turns[key].reduce((n, run) => n + run.calls, 0);
      const cpu = turns[key].reduce((n, run) => n + run.cpuPerCallUs * run.calls, 0);
      const errors = turns[key].reduce((n, run) => n + run.errors, 0);
      round[key] = { calls, errors, cpuPerCallUs: cpu / calls, callsPerSec: turns[key].reduce((n, run) => n + run.callsPerSec, 0) / turns[key].length };
    }
    round.ratio = round.on.cpuPerCallUs / round.off.cpuPerCallUs;
    results.push(round);
    log(
      `round ${r + 1}/${rounds} audit+metrics off ${round.off.cpuPerCallUs.toFixed(0)} µs/call (${round.off.callsPerSec.toFixed(0)}/s), on ${round.on.cpuPerCallUs.toFixed(0)} µs/call (${round.on.callsPerSec.toFixed(0)}/s): ${round.ratio.toFixed(3)}× (goal ≤ 1.15×)${round.off.errors || round.on.errors ? ` ERRORS off ${round.off.errors} on ${round.on.errors}` : ''}`,
    );
  }
  return results;
}
