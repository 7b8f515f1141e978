import type { CallOutcome } from '../core/audit.js';
import type { TraceContext } from '../core/trace-context.js';

/**
 * A span per tool call and a child per upstream request (SPEC §12). The call observer sees only this;
 * the OpenTelemetry SDK behind it (`otel.ts`) is imported only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export interface CallTracer {
  /** `parent`: the caller's trace context, continued when given. */
  start(tool: string, provider: string, caller: string, parent: TraceContext | undefined): CallSpan;
  /** Sends what is still buffered. */
  shutdown(): Promise<void>;
}

export interface CallSpan {
  /** A child span for one upstream request; its traceparent goes out with the request. */
  upstream(method: string, url: string): UpstreamSpan;
  end(outcome: CallOutcome, errorMessage: string | null): void;
}

export interface UpstreamSpan {
  readonly traceparent: string;
  end(status: number | null, bytesIn: number, error?: unknown): void;
}
