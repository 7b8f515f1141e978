import type { ServerResponse } from 'node:http';
import type { Reply } from '../web/reply.js';
import { sendJson } from '../http/body.js';
import { type ErrorCode, ToolwireError } from '../../core/errors.js';
import type { Log } from '../../core/log.js';

/**
 * The vault API answers failures in Qoder's envelope, `{"type": "error", "error": {"type", "message", "param"?}}`,
 * so Qoder clients read them unchanged.
 */

/** Qoder's status and error type per code; null: a generic 500 (`api_error`). */
export const VAULT_ERRORS: Record<ErrorCode, { status: number; type: string } | null> = {
  INVALID_INPUT: { status: 400, type: 'invalid_request_error' },
  INVALID_JSON: { status: 400, type: 'invalid_request_error' },
  UNAUTHORIZED: { status: 401, type: 'TOKEN_INVALID' },
  NOT_FOUND: { status: 404, type: 'not_found_error' },
  METHOD_NOT_ALLOWED: { status: 405, type: 'invalid_request_error' },
  PAYLOAD_TOO_LARGE: { status: 413, type: 'invalid_request_error' },
  INVALID_ARGUMENTS: null,
  CONFLICT: null,
  FORBIDDEN: null,
  BLOCKED_ADDRESS: null,
  USAGE: null,
  CONFIG: null,
  WRONG_KEY: null,
  STORAGE: null,
  UPSTREAM_STATUS: null,
  UPSTREAM_TIMEOUT: null,
  UPSTREAM_NETWORK: null,
  UPSTREAM_TOO_LARGE: null,
  UPSTREAM_DOWN: null,
  CANCELLED: null,
  AUTH_FETCH: null,
  INTERNAL: null,
};

/** A 400 naming the first offending field in `param`; the message names every one. */
export function invalidRequest(message: string, param: string | null = null): ToolwireError {
  return new ToolwireError('INVALID_INPUT', message, param === null ? {} : { param });
}

export function notFound(message: string): ToolwireError {
  return new ToolwireError('NOT_FOUND', message);
}

function envelope(type: string, message: string, param: string | null = null) {
  return { type: 'error', error: { type, message, ...(param ? { param } : {}) } };
}

/** 401 for a missing or wrong token, as Qoder answers it (`TOKEN_INVALID`). */
export function sendVaultUnauthorized(res: ServerResponse): void {
  const reply = vaultErrorReply(
    new ToolwireError(
      'UNAUTHORIZED',
      'Missing or invalid authentication token: send Authorization: Bearer <token> with the token toolwire printed at start (or TOOLWIRE_TOKEN).',
      { headers: { 'www-authenticate': 'Bearer realm="toolwire"' } },
    ),
  );
  sendJson(res, reply.status, reply.body, reply.headers);
}

/**
 * Any failure as a reply in the envelope. Errors of the shared web helpers (malformed JSON, a body
 * too large) keep their message; anything unexpected is a generic 500, logged without the request body.
 */
export function vaultErrorReply(err: unknown, log?: Log, where = ''): Reply {
  const mapped = err instanceof ToolwireError ? VAULT_ERRORS[err.code] : null;
  if (err instanceof ToolwireError && mapped) return { status: mapped.status, body: envelope(mapped.type, err.message, err.param), headers: err.headers };
  const kind = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
  log?.error(`vault API ${where} failed unexpectedly (${kind})`);
  return { status: 500, body: envelope('api_error', 'The vault API failed unexpectedly; the server log has the details.') };
}
