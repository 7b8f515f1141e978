import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../config.js';
import type { Log } from '../core/log.js';
import type { Registry } from '../registry/registry.js';
import { createAuditQueue, type AuditQueue } from './audit-queue.js';
import { createCallObserver } from './call-observer.js';
import type { Metrics } from './metrics.js';
import { createRateLimiter } from './rate-limits.js';
import { createRateSync } from './rate-sync.js';
import type { CallTracer } from './tracing.js';

/** Audit log, metrics, rate limits and traces of one running toolwire (SPEC §12), behind the registry's call observer. */
export interface Ops {
  /** Null until `enableMetrics` loaded them (the HTTP server does; stdio and CLI commands never pay for prom-client), or with TOOLWIRE_METRICS=0. */
  readonly metrics: Metrics | null;
  /** Loads prom-client and starts counting (once); null with TOOLWIRE_METRICS=0. */
  enableMetrics(): Promise<Metrics | null>;
  /** Null with TOOLWIRE_AUDIT=0. */
  audit: AuditQueue | null;
  /** Resolves once the tracer (if any) is loaded: serving waits for it, so the first call is traced too. */
  ready: Promise<void>;
  /** For the token manager: every dynamic-auth token fetch. */
  tokenFetch(providerCode: string, ok: boolean): void;
  /** Shares this instance's rate limit counts with the other instances now (tests; the timer does it every 200 ms). */
  syncRateCounts(): Promise<void>;
  /** Writes the audit queue and the last rate limit counts, and sends buffered spans. */
  close(): Promise<void>;
}

export interface OpsOptions {
  /** Injectable clock for rate limits (tests). */
  now?: () => number;
  /** This instance's id among those sharing rate limit counts (random by default). */
  instance?: string;
}

/**
 * Wires the ops side and installs its observer on the registry. The audit queue writes through the
 * catalog (one transaction per batch); rate limits come from the registry's snapshot (loaded in its read,
 * so a call reads no database); OpenTelemetry is imported only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export function createOps(config: Config, catalog: Catalog, registry: Registry, log: Log, options: OpsOptions = {}): Ops {
  const audit = config.auditCalls ? createAuditQueue({ sink: catalog.audit, log, days: config.auditDays }) : null;
  let metrics: Metrics | null = null;
  let loading: Promise<Metrics | null> | null = null;
  const enableMetrics = () =>
    (loading ??= config.metrics
      ? import('./metrics.js').then(
          ({ createMetrics }) =>
            (metrics = createMetrics({
              registryTools: () => registry.current().definitions.length,
              auditQueued: () => audit?.queued() ?? 0,
              auditDropped: () => audit?.dropped() ?? 0,
            })),
        )
      : Promise.resolve(null));
  // The limits are loaded with the registry's snapshot (in its read): a call reads no database.
  const limits = createRateLimiter(
    registry.addIndex(() => catalog.rateLimits()),
    options.now,
  );
  // The other instances' calls under those limits, written and read off the call path with the audit's interval.
  const rateSync = createRateSync({
    shared: limits.shared,
    counts: catalog.rateCounts(),
    log,
    now: options.now,
    instance: options.instance,
    ready: () => registry.loaded,
  });
  let tracer: CallTracer | null = null;
  const ready = config.otlpTracesUrl
    ? import('./otel.js')
        .then(({ createOtelTracer }) => createOtelTracer(config.otlpTracesUrl as string, '0.1.0'))
        .then((loaded) => {
          tracer = loaded;
          log.info(`tracing tool calls to ${config.otlpTracesUrl}`);
        })
        .catch((err: unknown) => log.warn(`OpenTelemetry could not start, so no traces are sent: ${(err as Error).message}`))
    : Promise.resolve();
  registry.observe(createCallObserver({ audit, metrics: () => metrics, limits, tracer: () => tracer, auditArgs: config.auditArgs }));
  return {
    get metrics() {
      return metrics;
    },
    enableMetrics,
    audit,
    ready,
    tokenFetch: (code, ok) => metrics?.tokenFetch(code, ok),
    syncRateCounts: () => rateSync.sync(),
    async close() {
      registry.observe(null);
      await audit?.close();
      await rateSync.close();
      await ready;
      await tracer?.shutdown().catch((err: unknown) => log.warn(`Could not send the last spans: ${(err as Error).message}`));
    },
  };
}
