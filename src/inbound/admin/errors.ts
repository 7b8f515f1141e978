import { ToolwireError } from '../../core/errors.js';
import type { Log } from '../../core/log.js';

import { HttpError, type Reply } from '../web/reply.js';

export { badRequest, type Reply } from '../web/reply.js';

const BY_CODE: Partial<Record<ToolwireError['code'], { status: number; error: string }>> = {
  INVALID_INPUT: { status: 400, error: 'invalid_request' },
  INVALID_ARGUMENTS: { status: 400, error: 'invalid_request' },
  NOT_FOUND: { status: 404, error: 'not_found' },
  CONFLICT: { status: 409, error: 'conflict' },
  FORBIDDEN: { status: 403, error: 'forbidden' },
  // The request was fine; the database could not take it now (its message says why and that nothing was written).
  STORAGE: { status: 503, error: 'storage_unavailable' },
};

/**
 * Every failure as a JSON body `{ error, message, fields? }`. Client mistakes keep their message
 * (written for users, never carrying a secret); anything unexpected is a generic 500, logged by
 * its error name and message only — never the request body.
 */
export function errorReply(err: unknown, log: Log, where: string): Reply {
  if (err instanceof HttpError) {
    return { status: err.status, body: { error: err.error, message: err.message }, headers: err.headers };
  }
  if (err instanceof ToolwireError) {
    const mapped = BY_CODE[err.code];
    if (mapped) {
      const body: Record<string, unknown> = { error: mapped.error, message: err.message };
      if (mapped.status === 400) body.fields = err.issues.length > 0 ? err.issues : [{ field: '(body)', message: err.message }];
      else if (err.issues.length > 0) body.fields = err.issues;
      return { status: mapped.status, body };
    }
  }
  const kind = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
  log.error(`admin ${where} failed unexpectedly (${kind})`);
  return { status: 500, body: { error: 'internal_error', message: 'The admin API failed unexpectedly; the server log has the details.' } };
}
