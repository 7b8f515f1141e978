import type { CallSample } from '../store/audit.js';

/** One minute of one provider's calls. */
export interface MinuteStats {
  /** The minute's start, ISO 8601 UTC (`2026-01-31T12:04:00.000Z`). */
  minute: string;
  calls: number;
  errors: number;
}

/** One provider's calls over the window: per minute, its error rate and its p50/p95 latency. */
export interface ProviderStats {
  provider: string;
  calls: number;
  errors: number;
  /** errors / calls, 0 without calls. */
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  /** Every minute of the window, oldest first, zeros included (a chart needs no gaps). */
  perMinute: MinuteStats[];
}

/** `GET /admin/audit/stats` (SPEC §16's dashboard): the audit log's calls since `since`, per provider. */
export interface AuditStats {
  since: string;
  until: string;
  minutes: number;
  /** True when the window held more calls than were read (`STATS_CALL_CAP`): the numbers cover the oldest ones. */
  truncated: boolean;
  providers: ProviderStats[];
}

/** The most calls one stats answer reads (a busy hour is sampled from its start, and says so). */
export const STATS_CALL_CAP = 200_000;

/** The nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

const MINUTE_MS = 60_000;

/**
 * The dashboard's numbers, worked out in memory from the window's calls (SQLite has no percentile): a call
 * is an error when its outcome is anything but `ok`.
 */
export function aggregateCalls(samples: readonly CallSample[], now: Date, minutes: number, truncated: boolean): AuditStats {
  const end = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const start = end - minutes * MINUTE_MS;
  const byProvider = new Map<string, { durations: number[]; calls: number[]; errors: number[] }>();
  for (const sample of samples) {
    const at = Date.parse(sample.at);
    if (Number.isNaN(at) || at < start || at >= end) continue;
    const name = sample.provider ?? '';
    let slot = byProvider.get(name);
    if (!slot) byProvider.set(name, (slot = { durations: [], calls: new Array(minutes).fill(0), errors: new Array(minutes).fill(0) }));
    const index = Math.floor((at - start) / MINUTE_MS);
    slot.calls[index] = (slot.calls[index] ?? 0) + 1;
    if (sample.outcome !== 'ok') slot.errors[index] = (slot.errors[index] ?? 0) + 1;
    slot.durations.push(sample.durationMs ?? 0);
  }
  const providers = [...byProvider.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([provider, slot]): ProviderStats => {
      const sorted = slot.durations.sort((a, b) => a - b);
      const calls = sorted.length;
      const errors = slot.errors.reduce((sum, n) => sum + n, 0);
      return {
        provider,
        calls,
        errors,
        errorRate: calls === 0 ? 0 : errors / calls,
        p50Ms: percentile(sorted, 50),
        p95Ms: percentile(sorted, 95),
        perMinute: slot.calls.map((n, i) => ({ minute: new Date(start + i * MINUTE_MS).toISOString(), calls: n, errors: slot.errors[i] ?? 0 })),
      };
    });
  return { since: new Date(start).toISOString(), until: new Date(end).toISOString(), minutes, truncated, providers };
}
