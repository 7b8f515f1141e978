import { type ErrorCode, ToolwireError } from '../../core/errors.js';
import type { Log } from '../../core/log.js';
import type { Reply } from '../web/reply.js';

export { badRequest, type Reply } from '../web/reply.js';

/** The admin API's status and `error` word per code; null: not a client's mistake, a generic 500. */
export const ADMIN_ERRORS: Record<ErrorCode, { status: number; error: string } | null> = {
  INVALID_INPUT: { status: 400, error: 'invalid_request' },
  INVALID_JSON: { status: 400, error: 'invalid_request' },
  INVALID_ARGUMENTS: { status: 400, error: 'invalid_request' },
  NOT_FOUND: { status: 404, error: 'not_found' },
  CONFLICT: { status: 409, error: 'conflict' },
  FORBIDDEN: { status: 403, error: 'forbidden' },
  BLOCKED_ADDRESS: { status: 403, error: 'forbidden' },
  METHOD_NOT_ALLOWED: { status: 405, error: 'method_not_allowed' },
  PAYLOAD_TOO_LARGE: { status: 413, error: 'payload_too_large' },
  // The request was fine; the database could not take it now (its message says why and that nothing was written).
  STORAGE: { status: 503, error: 'storage_unavailable' },
  UNAUTHORIZED: null, // answered by the HTTP server's guard before a route runs
  USAGE: null,
  CONFIG: null,
  WRONG_KEY: null,
  UPSTREAM_STATUS: null,
  UPSTREAM_TIMEOUT: null,
  UPSTREAM_NETWORK: null,
  UPSTREAM_TOO_LARGE: null,
  UPSTREAM_DOWN: null,
  CANCELLED: null,
  AUTH_FETCH: null,
  INTERNAL: null,
};

/**
 * Every failure as a JSON body `{ error, message, fields? }`. Client mistakes keep their message
 * (written for users, never carrying a secret); anything unexpected is a generic 500, logged by
 * its error name and message only — never the request body.
 */
export function errorReply(err: unknown, log: Log, where: string): Reply {
  const mapped = err instanceof ToolwireError ? ADMIN_ERRORS[err.code] : null;
  if (err instanceof ToolwireError && mapped) {
    const body: Record<string, unknown> = { error: mapped.error, message: err.message };
    // A 400 always names a field, so clients can show every 400 the same way.
    if (mapped.status === 400) body.fields = err.issues.length > 0 ? err.issues : [{ field: '(body)', message: err.message }];
    else if (err.issues.length > 0) body.fields = err.issues;
    return { status: mapped.status, body, headers: err.headers };
  }
  const kind = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
  log.error(`admin ${where} failed unexpectedly (${kind})`);
  return { status: 500, body: { error: 'internal_error', message: 'The admin API failed unexpectedly; the server log has the details.' } };
}
