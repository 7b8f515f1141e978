import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallOutcome } from '../core/audit.js';

/** What the gauges read when scraped (nothing is counted for them on the call path). */
export interface MetricsGauges {
  registryTools(): number;
  auditQueued(): number;
  auditDropped(): number;
}

/** Counted from the HTTP server: open sessions and subscriptions/listen streams, read at scrape time. */
export interface ConnectionCounts {
  sessions(): number;
  listenStreams(): number;
}

export interface Metrics {
  call(tool: string, provider: string, outcome: CallOutcome, seconds: number): void;
  upstreamStatus(provider: string, status: number): void;
  tokenFetch(provider: string, ok: boolean): void;
  rateLimited(limit: 'provider' | 'tool' | 'client'): void;
  /** The HTTP server's counts, once it runs. */
  connections(counts: ConnectionCounts): void;
  contentType: string;
  /** The Prometheus text exposition. */
  text(): Promise<string>;
}

/** Seconds: from a fast local API to a slow one near the default 30 s deadline. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * `GET /metrics` (SPEC §12) through prom-client with a registry of our own (never the process-global one).
 * Labels stay bounded: tool and provider names come from the registry (a call to an unknown tool never
 * reaches here), outcomes and limits are fixed lists, statuses are HTTP codes. The duration histogram is
 * per provider and outcome, not per tool (10,000 tools × 13 buckets would be a scrape of its own).
 * Label children are kept per key, so a call does one Map lookup per metric.
 */
export function createMetrics(gauges: MetricsGauges): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const calls = new Counter({
    name: 'toolwire_tool_calls_total',
    help: 'Tool calls by tool, provider and outcome.',
    labelNames: ['tool', 'provider', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'toolwire_tool_call_duration_seconds',
    help: 'Tool call duration by provider and outcome.',
    labelNames: ['provider', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const upstream = new Counter({
    name: 'toolwire_upstream_responses_total',
    help: 'Answers from APIs by provider and HTTP status.',
    labelNames: ['provider', 'status'],
    registers,
  });
  const tokens = new Counter({
    name: 'toolwire_token_fetches_total',
    help: 'Dynamic-auth token fetches by provider and result (ok, failed).',
    labelNames: ['provider', 'result'],
    registers,
  });
  const limited = new Counter({
    name: 'toolwire_rate_limited_total',
    help: 'Calls refused by a rate limit, by the limit (provider, tool, client).',
    labelNames: ['limit'],
    registers,
  });
  let counts: ConnectionCounts = { sessions: () => 0, listenStreams: () => 0 };
  new Gauge({
    name: 'toolwire_sessions_open',
    help: 'Open MCP sessions (2025-11-25).',
    registers,
    collect() {
      this.set(counts.sessions());
    },
  });
  new Gauge({
    name: 'toolwire_listen_streams_open',
    help: 'Open subscriptions/listen streams (2026-07-28).',
    registers,
    collect() {
      this.set(counts.listenStreams());
    },
  });
  new Gauge({
    name: 'toolwire_registry_tools',
    help: 'Tools served (the registry size).',
    registers,
    collect() {
      this.set(gauges.registryTools());
    },
  });
  new Gauge({
    name: 'toolwire_audit_queue_entries',
    help: 'Audit entries waiting to be written.',
    registers,
    collect() {
      this.set(gauges.auditQueued());
    },
  });
  new Gauge({
    name: 'toolwire_audit_dropped_total',
    help: 'Audit entries dropped because the queue was full.',
    registers,
    collect() {
      this.set(gauges.auditDropped());
    },
  });

  const callChildren = new Map<string, Counter.Internal>();
  const durationChildren = new Map<string, Histogram.Internal<string>>();
  const statusChildren = new Map<string, Counter.Internal>();
  return {
    call(tool, provider, outcome, seconds) {
      const key = `${tool}\u0000${provider}\u0000${outcome}`;
      let child = callChildren.get(key);
      if (!child) callChildren.set(key, (child = calls.labels(tool, provider, outcome)));
      child.inc();
      const dKey = `${provider}\u0000${outcome}`;
      let histogram = durationChildren.get(dKey);
      if (!histogram) durationChildren.set(dKey, (histogram = duration.labels(provider, outcome)));
      histogram.observe(seconds);
    },
    upstreamStatus(provider, status) {
      const key = `${provider}\u0000${status}`;
      let child = statusChildren.get(key);
      if (!child) statusChildren.set(key, (child = upstream.labels(provider, String(status))));
      child.inc();
    },
    tokenFetch: (provider, ok) => tokens.labels(provider, ok ? 'ok' : 'failed').inc(),
    rateLimited: (limit) => limited.labels(limit).inc(),
    connections(given) {
      counts = given;
    },
    contentType: registry.contentType,
    text: () => registry.metrics(),
  };
}
