import type { CallOutcome } from '../core/audit.js';
import { describeError } from '../core/errors.js';
import type { CallSpan, CallTracer, UpstreamSpan } from './tracing.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The OpenTelemetry tracer (SPEC §12), loaded with dynamic imports only when an OTLP endpoint is set. Spans
 * follow the OpenTelemetry MCP semantic conventions (gen-ai/mcp.md): a SERVER span `tools/call {tool}` with
 * `mcp.method.name`, `gen_ai.operation.name: execute_tool`, `gen_ai.tool.name`, `error.type` (`tool_error`
 * for an isError result, else the outcome); a CLIENT child per upstream request named by its method (the
 * HTTP conventions: `http.request.method`, `url.full` without the query — it may hold an API key —,
 * `server.address`, `http.response.status_code`). The caller's traceparent is the parent; the upstream
 * request carries the child's. Batched export over OTLP/HTTP (JSON); `shutdown` sends what is left.
 */
export async function createOtelTracer(url: string, version: string): Promise<CallTracer> {
  const api = await import('@opentelemetry/api');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace } = api;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME || 'toolwire', 'service.version': version }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  const tracer = provider.getTracer('toolwire', version);
  const traceparentOf = (span: { spanContext(): { traceId: string; spanId: string; traceFlags: number } }) => {
    const c = span.spanContext();
    return `00-${c.traceId}-${c.spanId}-${c.traceFlags.toString(16).padStart(2, '0')}`;
  };
  return {
    start(tool, providerCode, caller, parent): CallSpan {
      const match = parent ? TRACEPARENT.exec(parent.traceparent) : null;
      const parentContext = match
        ? trace.setSpanContext(ROOT_CONTEXT, {
            traceId: match[1] as string,
            spanId: match[2] as string,
            traceFlags: Number.parseInt(match[3] as string, 16),
            isRemote: true,
          })
        : ROOT_CONTEXT;
      const span = tracer.startSpan(
        `tools/call ${tool}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'mcp.method.name': 'tools/call',
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': tool,
            'toolwire.provider': providerCode,
            'toolwire.client': caller,
          },
        },
        parentContext,
      );
      const within = trace.setSpan(ROOT_CONTEXT, span);
      return {
        upstream(method, target): UpstreamSpan {
          let host = '';
          try {
            host = new URL(target).hostname;
          } catch {
            // left out
          }
          const child = tracer.startSpan(
            method,
            { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.full': target, 'server.address': host } },
            within,
          );
          return {
            traceparent: traceparentOf(child),
            end(status, bytesIn, error) {
              if (status !== null) child.setAttribute('http.response.status_code', status);
              child.setAttribute('http.response.body.size', bytesIn);
              if (error !== undefined) {
                child.setAttribute('error.type', (error as { code?: string }).code ?? 'network');
                child.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
              } else if (status !== null && status >= 400) {
                child.setAttribute('error.type', String(status));
                child.setStatus({ code: SpanStatusCode.ERROR });
              }
              child.end();
            },
          };
        },
        end(outcome: CallOutcome, errorMessage) {
          span.setAttribute('toolwire.outcome', outcome);
          if (outcome !== 'ok') {
            span.setAttribute('error.type', outcome);
            span.setStatus({ code: SpanStatusCode.ERROR, ...(errorMessage ? { message: errorMessage } : {}) });
          }
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}
