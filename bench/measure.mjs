// One timed run: `concurrency` workers call in a loop for `durationMs`; latency of every call,
// throughput, and the server's CPU per call from /proc/PID/stat over the whole run.
import { cpuMicros } from './proc.mjs';
import { latencySummary } from './stats.mjs';

export async function timedRun(call, { concurrency, durationMs, pid = null, upstreamPid = null }) {
  const latencies = [];
  let errors = 0;
  const cpuBefore = pid ? cpuMicros(pid) : 0;
  const upstreamBefore = upstreamPid ? cpuMicros(upstreamPid) : 0;
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await call();
      } catch {
        ok = false;
      }
      latencies.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - start;
  const cpu = pid ? cpuMicros(pid) - cpuBefore : NaN;
  const upstreamCpu = upstreamPid ? cpuMicros(upstreamPid) - upstreamBefore : NaN;
  const client = process.cpuUsage(clientBefore);
  const { p50, p99 } = latencySummary(latencies);
  return {
    concurrency,
    calls: latencies.length,
    errors,
    callsPerSec: (latencies.length / elapsed) * 1000,
    p50Ms: p50,
    p99Ms: p99,
    cpuPerCallUs: pid ? cpu / latencies.length : NaN,
    // The rest of the machine's work per call: the bench process (client) and the upstream.
    clientCpuPerCallUs: (client.user + client.system) / latencies.length,
    upstreamCpuPerCallUs: upstreamCpu / latencies.length,
  };
}

/** Calls without measuring, so the JIT and the connection pools are warm. */
export async function warmUp(call, calls = 300, concurrency = 4) {
  let left = calls;
  const worker = async () => {
    while (left-- > 0) await call();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
