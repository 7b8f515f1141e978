import { describeError } from '../../core/errors.js';
import { isProtocolError, loadedClientSdk } from './client-sdk.js';

/** A failure to reach or talk to an upstream, with its HTTP status and what to do about a refused credential. */
export function describeUpstreamError(err: unknown): string {
  const sdk = loadedClientSdk();
  const status = sdk === null ? undefined : err instanceof sdk.SdkHttpError ? err.status : err instanceof sdk.SseError ? err.code : undefined;
  const message = describeError(err);
  if (status === 401 || status === 403) {
    return `it refused the credential (HTTP ${status}): give the provider an apiKeyValue, or add a vault credential for its URL and protocol (${message})`;
  }
  if (typeof status === 'number' && status > 0) return `HTTP ${status}: ${message}`;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? `${message} (${cause})` : message;
}

/**
 * Whether the upstream answered, badly or with an error (a JSON-RPC error, a result that fails the
 * SDK's schema or has a result type we cannot consume): that says nothing about the connection,
 * unlike a timeout, a closed connection or an HTTP failure.
 */
export function isUpstreamAnswer(err: unknown): boolean {
  const sdk = loadedClientSdk();
  if (sdk === null) return false;
  if (isProtocolError(err)) return true;
  return err instanceof sdk.SdkError && (err.code === sdk.SdkErrorCode.InvalidResult || err.code === sdk.SdkErrorCode.UnsupportedResultType);
}
