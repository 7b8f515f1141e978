import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/body.js';
import { type ErrorCode, ToolwireError } from '../../core/errors.js';
import type { Log } from '../../core/log.js';

/**
 * OpenHands (FastAPI) answers a bad body with 422 `{"detail": [{"loc", "msg", "type"}]}` and other
 * failures with `{"detail": "message"}`; `POST /api/add-git-providers` answers the same way.
 */
export type Loc = Array<string | number>;

export interface Detail {
  loc: Loc;
  msg: string;
  type: string;
}

/** Every problem found in one request, located in the body; thrown inside the write so the transaction rolls back. */
export class Unprocessable extends ToolwireError {
  constructor(readonly detail: Detail[]) {
    super('INVALID_INPUT', detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '));
    this.name = 'Unprocessable';
  }
}

/** OpenHands' answer per code: a 422 `detail` list, or `{detail: "message"}` with a status; null: a generic 500. */
export const OPENHANDS_ERRORS: Record<ErrorCode, { status: number; detail: 'list' | 'message' } | null> = {
  INVALID_INPUT: { status: 422, detail: 'list' },
  INVALID_JSON: { status: 422, detail: 'list' },
  CONFLICT: { status: 422, detail: 'list' },
  UNAUTHORIZED: { status: 401, detail: 'message' },
  FORBIDDEN: { status: 403, detail: 'message' },
  BLOCKED_ADDRESS: { status: 403, detail: 'message' },
  NOT_FOUND: { status: 404, detail: 'message' },
  METHOD_NOT_ALLOWED: { status: 405, detail: 'message' },
  PAYLOAD_TOO_LARGE: { status: 413, detail: 'message' },
  INVALID_ARGUMENTS: null,
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

/** A 401 naming both ways to send the token. */
export function sendDetailUnauthorized(res: ServerResponse): void {
  const reply = detailReply(
    new ToolwireError(
      'UNAUTHORIZED',
      'Not authenticated: send Authorization: Bearer <token> or X-Session-API-Key: <token>, with the token toolwire printed at start (or TOOLWIRE_TOKEN).',
      { headers: { 'www-authenticate': 'Bearer realm="toolwire"' } },
    ),
  );
  sendJson(res, reply.status, reply.body, reply.headers);
}

/**
 * Any failure as status and body. A 422 lists where in the body each problem is (an error without
 * locations is about the whole body); an unexpected failure is a generic 500, logged without the request body.
 */
export function detailReply(err: unknown, log?: Log, where = ''): { status: number; body: unknown; headers: Record<string, string> } {
  const mapped = err instanceof ToolwireError ? OPENHANDS_ERRORS[err.code] : null;
  if (err instanceof ToolwireError && mapped) {
    if (mapped.detail === 'message') return { status: mapped.status, body: { detail: err.message }, headers: err.headers };
    const detail: Detail[] = err instanceof Unprocessable ? err.detail : [{ loc: ['body'], msg: err.message, type: 'value_error' }];
    return { status: mapped.status, body: { detail }, headers: err.headers };
  }
  const kind = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
  log?.error(`${where} failed unexpectedly (${kind})`);
  return {
    status: 500,
    body: { detail: 'toolwire failed to store the providers unexpectedly; nothing was written and the server log has the details.' },
    headers: {},
  };
}

/** Collects problems with their location in the body, in FastAPI's vocabulary of error types. */
export class Problems {
  readonly list: Detail[] = [];

  add(loc: Loc, msg: string, type = 'value_error'): void {
    this.list.push({ loc, msg, type });
  }

  /** A string, null or absent (undefined); anything else is recorded and read as absent. */
  optionalString(value: unknown, loc: Loc): string | null | undefined {
    if (value === undefined || value === null || typeof value === 'string') return value;
    this.add(loc, 'Input should be a valid string (or null).', 'string_type');
    return undefined;
  }

  /** A non-blank string, trimmed; a missing or blank one is recorded with `what` saying what belongs there. */
  requiredString(value: unknown, loc: Loc, what: string): string | null {
    if (value === undefined || value === null) {
      this.add(loc, `Field required: ${what}.`, 'missing');
      return null;
    }
    if (typeof value !== 'string') {
      this.add(loc, `Input should be a valid string: ${what}.`, 'string_type');
      return null;
    }
    if (value.trim() === '') {
      this.add(loc, `Field must not be empty: ${what}.`, 'string_too_short');
      return null;
    }
    return value.trim();
  }

  /** Throws everything recorded so far as one 422. */
  throwIfAny(): void {
    if (this.list.length > 0) throw new Unprocessable(this.list);
  }
}
