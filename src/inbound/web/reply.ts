import { ToolwireError, type FieldIssue } from '../../core/errors.js';

/**
 * The small web kernel the admin API, the compat APIs and the MCP endpoint share: what a handler
 * answers, and the HTTP failures that are not the catalog's (each API's table says how it answers them).
 */

/** What a handler answers: a status, an optional JSON body and extra headers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A 400 naming the offending fields; the same shape the catalog's INVALID_INPUT errors take. */
export function badRequest(message: string, fields: FieldIssue[]): ToolwireError {
  return new ToolwireError('INVALID_INPUT', message, fields);
}

/** A 405: the route exists, `allow` lists its methods (the reply's Allow header). */
export function methodNotAllowed(message: string, allow: string): ToolwireError {
  return new ToolwireError('METHOD_NOT_ALLOWED', message, { headers: { allow } });
}
