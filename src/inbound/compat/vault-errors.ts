import type { ServerResponse } from 'node:http';
import { HttpError, type Reply } from '../web/reply.js';
import { sendJson } from '../http/body.js';
import { ToolwireError } from '../../core/errors.js';
import type { Log } from '../../core/log.js';

/**
 * The vault API answers failures in Qoder's envelope, `{"type": "error", "error": {"type", "message", "param"?}}`,
 * so Qoder clients read them unchanged.
 */
export class VaultApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'VaultApiError';
  }
}

/** A 400 naming the first offending field in `param`; the message names every one. */
export function invalidRequest(message: string, param: string | null = null): VaultApiError {
  return new VaultApiError(400, 'invalid_request_error', message, param);
}

export function notFound(message: string): VaultApiError {
  return new VaultApiError(404, 'not_found_error', message);
}

function envelope(type: string, message: string, param: string | null = null) {
  return { type: 'error', error: { type, message, ...(param ? { param } : {}) } };
}

/** 401 for a missing or wrong token, as Qoder answers it (`TOKEN_INVALID`). */
export function sendVaultUnauthorized(res: ServerResponse): void {
  sendJson(
    res,
    401,
    envelope(
      'TOKEN_INVALID',
      'Missing or invalid authentication token: send Authorization: Bearer <token> with the token toolwire printed at start (or TOOLWIRE_TOKEN).',
    ),
    {
      'www-authenticate': 'Bearer realm="toolwire"',
    },
  );
}

/**
 * Any failure as a reply in the envelope. Errors of the shared admin helpers (malformed JSON, a body
 * too large) keep their message; anything unexpected is a generic 500, logged without the request body.
 */
export function vaultErrorReply(err: unknown, log: Log, where: string): Reply {
  if (err instanceof VaultApiError) return { status: err.status, body: envelope(err.type, err.message, err.param), headers: err.headers };
  if (err instanceof HttpError) return { status: err.status, body: envelope('invalid_request_error', err.message) };
  if (err instanceof ToolwireError && err.code === 'INVALID_INPUT') return { status: 400, body: envelope('invalid_request_error', err.message) };
  const kind = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
  log.error(`vault API ${where} failed unexpectedly (${kind})`);
  return { status: 500, body: envelope('api_error', 'The vault API failed unexpectedly; the server log has the details.') };
}
