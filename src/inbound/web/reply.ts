import { ToolwireError, type FieldIssue } from '../../core/errors.js';

/**
 * The small web kernel the admin API, the compat APIs and the MCP endpoint share: what a handler
 * answers, and the HTTP failures that are not the catalog's.
 */

/** What a handler answers: a status, an optional JSON body and extra headers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An HTTP-level failure that has no catalog meaning (405, 413, an unknown route), for any of our APIs. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A 400 naming the offending fields; the same shape the catalog's INVALID_INPUT errors take. */
export function badRequest(message: string, fields: FieldIssue[]): ToolwireError {
  return new ToolwireError('INVALID_INPUT', message, fields);
}
