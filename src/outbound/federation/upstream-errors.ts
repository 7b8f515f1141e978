import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describeError } from '../../core/errors.js';

/** A failure to reach or talk to an upstream, with its HTTP status and what to do about a refused credential. */
export function describeUpstreamError(err: unknown): string {
  const status = err instanceof StreamableHTTPError || err instanceof SseError ? err.code : undefined;
  const message = describeError(err);
  if (status === 401 || status === 403) {
    return `it refused the credential (HTTP ${status}): give the provider an apiKeyValue, or add a vault credential for its URL and protocol (${message})`;
  }
  if (typeof status === 'number' && status > 0) return `HTTP ${status}: ${message}`;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? `${message} (${cause})` : message;
}
