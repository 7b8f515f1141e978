import type { IncomingMessage } from 'node:http';
import { readJsonBody } from '../http/body.js';
import { ToolwireError } from '../../core/errors.js';
import { badRequest } from './reply.js';
import { isJsonObject } from '../../core/json.js';

/** What a route handler of the admin or compat APIs gets: its API's dependencies, the path parameters, the query and the body on demand. */
export interface RequestContext<Deps = unknown> {
  deps: Deps;
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** A numeric path parameter (`id`), or a 400 naming it. */
  id(name?: string): number;
  /** The parsed JSON body, or a 400 (malformed, missing) / 413 (too large). */
  body(): Promise<unknown>;
  /** A boolean query flag (`?dryRun=true`), or a 400 naming it. */
  flag(name: string): boolean;
}

const ID = /^[0-9]{1,15}$/;
const TRUE = new Set(['', 'true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A client value quoted back in a message, cut short. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * Why a body did not parse, from the JSON parser's own error (the `cause` of INVALID_JSON). Node's
 * JSON.parse messages quote part of the source (`Unexpected token 's', ..."Value": sk-…" is not valid
 * JSON`); that quote is cut so the client's body, secrets and all, is never echoed back.
 */
export function parserReason(error: ToolwireError): string {
  const message = error.cause instanceof Error ? error.cause.message : '';
  return message.replace(/,\s*(?:\.\.\.)?"[\s\S]*$/, '');
}

export function createContext<Deps>(deps: Deps, req: IncomingMessage, params: Record<string, string>, query: URLSearchParams): RequestContext<Deps> {
  return {
    deps,
    req,
    params,
    query,
    id(name = 'id') {
      const raw = params[name] ?? '';
      if (!ID.test(raw))
        throw badRequest(`The ${name} in the path must be a whole number, got ${quote(raw)}.`, [
          { field: name, message: `must be a whole number such as 3 (got ${quote(raw)})` },
        ]);
      return Number(raw);
    },
    async body() {
      const result = await readJsonBody(req);
      if (!result.ok) {
        if (result.error.code !== 'INVALID_JSON') throw result.error;
        const reason = parserReason(result.error);
        throw new ToolwireError('INVALID_INPUT', `The request body is not valid JSON (${reason}). Send a JSON document.`, {
          issues: [{ field: '(body)', message: `must be valid JSON (${reason})` }],
          cause: result.error,
        });
      }
      if (result.empty) throw badRequest('The request needs a JSON body.', [{ field: '(body)', message: 'is required: send a JSON document' }]);
      return result.value;
    },
    flag(name) {
      const raw = query.get(name);
      if (raw === null) return false;
      const value = raw.trim().toLowerCase();
      if (TRUE.has(value)) return true;
      if (FALSE.has(value)) return false;
      throw badRequest(`The query parameter ${name} must be true or false, got ${quote(raw)}.`, [{ field: name, message: 'must be true or false' }]);
    },
  };
}

/** The body must be one JSON object of fields (not a list, a string or null). */
export function expectObject(value: unknown, what: string): Record<string, unknown> {
  if (isJsonObject(value)) return value;
  const got = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
  throw badRequest(`The request body must be a JSON object of ${what} fields, got ${got}.`, [
    { field: '(body)', message: `must be a JSON object of ${what} fields (got ${got})` },
  ]);
}
