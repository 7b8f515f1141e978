import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/body.js';
import { ToolwireError } from '../../core/errors.js';
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

/** Every problem found in one request; thrown inside the write so the transaction rolls back. */
export class Unprocessable extends Error {
  constructor(readonly detail: Detail[]) {
    super(detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '));
    this.name = 'Unprocessable';
  }
}

/** A failure with a status and a one-paragraph message (403, 404, 405, 413). */
export class DetailError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DetailError';
  }
}

export function sendDetailUnauthorized(res: ServerResponse): void {
  sendJson(
    res,
    401,
    {
      detail:
        'Not authenticated: send Authorization: Bearer <token> or X-Session-API-Key: <token>, with the token toolwire printed at start (or TOOLWIRE_TOKEN).',
    },
    {
      'www-authenticate': 'Bearer realm="toolwire"',
    },
  );
}

/** Any failure as status and body; an unexpected one is a generic 500, logged without the request body. */
export function detailReply(err: unknown, log: Log, where: string): { status: number; body: unknown; headers: Record<string, string> } {
  if (err instanceof Unprocessable) return { status: 422, body: { detail: err.detail }, headers: {} };
  if (err instanceof DetailError) return { status: err.status, body: { detail: err.message }, headers: err.headers };
  if (err instanceof ToolwireError && err.code === 'FORBIDDEN') return { status: 403, body: { detail: err.message }, headers: {} };
  if (err instanceof ToolwireError && (err.code === 'INVALID_INPUT' || err.code === 'CONFLICT')) {
    return { status: 422, body: { detail: [{ loc: ['body'], msg: err.message, type: 'value_error' }] }, headers: {} };
  }
  const kind = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
  log.error(`${where} failed unexpectedly (${kind})`);
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
