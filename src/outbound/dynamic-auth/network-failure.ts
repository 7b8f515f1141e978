/**
 * Turns a failed fetch into a short cause for a message. Only error codes are used: undici and ky
 * messages can contain the request URL, whose query may carry the payload's secrets.
 */

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused by the token endpoint',
  ECONNRESET: 'the token endpoint closed the connection',
  ENOTFOUND: 'the token endpoint host was not found',
  EAI_AGAIN: 'the token endpoint host could not be resolved',
  EHOSTUNREACH: 'the token endpoint host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_SOCKET: 'the token endpoint closed the connection',
  UND_ERR_CONNECT_TIMEOUT: 'connecting to the token endpoint timed out',
};

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, errors } = err as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) return codeOf(errors[0]);
  return undefined;
}

function isTls(code: string): boolean {
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
}

/** `timedOut` is the caller's own deadline; ky's timeout error is recognised by name. */
export function describeNetworkFailure(err: unknown, timeoutMs: number, timedOut: boolean): string {
  const name = err instanceof Error ? err.name : '';
  if (timedOut || name === 'TimeoutError') return `the request timed out after ${timeoutMs} ms`;
  const code = codeOf(err instanceof Error ? err.cause : undefined) ?? codeOf(err);
  if (code === undefined) return 'the request failed before an answer arrived';
  if (isTls(code)) return `the token endpoint's TLS certificate was rejected (${code})`;
  return CAUSES[code] ?? `network error (${code})`;
}
