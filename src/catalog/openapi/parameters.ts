/**
 * OpenAPI `parameters` (path-level and operation-level, the operation's winning on the same name and
 * location) → import parameters in their real location.
 *
 * Cookie rule: toolwire sends parameters as path, query, header or body, not cookies, so all cookie
 * parameters of an operation become ONE header parameter named `Cookie` (required when any of them
 * is) whose description lists the expected cookies; the agent passes `a=1; b=2`.
 *
 * Refused on purpose: a header parameter an argument may never set (`Host`, `Content-Length`,
 * `Transfer-Encoding`, hop-by-hop, `Forwarded`/`X-Forwarded-*`, method overrides: see
 * forbidden-headers.ts) is left out and reported through `onForbidden`, one report per operation and
 * header; the rest of the operation is imported.
 *
 * Dropped on purpose: `Accept`, `Content-Type` and `Authorization` header parameters (the OpenAPI
 * spec says to ignore them), a header or query parameter carrying the provider's own API key
 * (the credential is injected, and an argument may never override it), and a parameter whose name
 * is blank (it could not be sent; counted for one warning). Names are trimmed, as the catalog
 * stores them.
 */
import { type CredentialSlot, isCredentialSlot } from '../../core/credential-placement.js';
import { forbiddenHeaderReason } from '../../core/forbidden-headers.js';
import type { ParameterLocation } from '../../core/model.js';
import { makeParameter } from './parameter-fields.js';
import type { ImportParameter } from './types.js';
import { asArray, asString, isRecord, type Dict } from './util.js';

const LOCATIONS: Record<string, ParameterLocation> = { path: 'PATH', query: 'QUERY', header: 'HEADER' };
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

function merged(pathLevel: unknown, operationLevel: unknown, onUnnamed: () => void): Dict[] {
  const byKey = new Map<string, Dict>();
  for (const param of [...asArray(pathLevel), ...asArray(operationLevel)]) {
    if (!isRecord(param) || typeof param.name !== 'string' || typeof param.in !== 'string') continue;
    const name = param.name.trim();
    if (name === '') {
      onUnnamed();
      continue;
    }
    // Header names are case-insensitive: `X-Trace` at path level and `x-trace` in the operation are one header.
    byKey.set(`${param.in}:${param.in === 'header' ? name.toLowerCase() : name}`, { ...param, name });
  }
  return [...byKey.values()];
}

/** A parameter's schema: `schema`, else the first media type of `content` (OpenAPI 3 allows either). */
function schemaOf(param: Dict): unknown {
  if (param.schema !== undefined) return param.schema;
  for (const media of Object.values(isRecord(param.content) ? param.content : {})) {
    if (isRecord(media) && media.schema !== undefined) return media.schema;
  }
  return undefined;
}

function cookieParameter(cookies: Dict[]): ImportParameter {
  const listed = cookies.map((c) => {
    const text = asString(c.description);
    return text === undefined ? String(c.name) : `${String(c.name)} (${text.trim()})`;
  });
  const description = `Cookie header value: name=value pairs separated by "; ". Expected cookies: ${listed.join(', ')}.`;
  return makeParameter({
    name: 'Cookie',
    location: 'HEADER',
    schema: { type: 'string' },
    description,
    required: cookies.some((c) => c.required === true),
  });
}

/** Told about each header parameter left out because an argument may not set it. */
export type OnForbiddenHeader = (name: string, reason: string) => void;

export function collectParameters(
  pathLevel: unknown,
  operationLevel: unknown,
  slot?: CredentialSlot,
  onUnnamed: () => void = () => {},
  onForbidden: OnForbiddenHeader = () => {},
): ImportParameter[] {
  const out: ImportParameter[] = [];
  const cookies: Dict[] = [];
  for (const param of merged(pathLevel, operationLevel, onUnnamed)) {
    const name = String(param.name);
    if (param.in === 'cookie') {
      cookies.push(param);
      continue;
    }
    const location = LOCATIONS[String(param.in)];
    if (location === undefined) continue;
    if (location === 'HEADER' && IGNORED_HEADERS.has(name.toLowerCase())) continue;
    const forbidden = location === 'HEADER' ? forbiddenHeaderReason(name) : undefined;
    if (forbidden !== undefined) {
      onForbidden(name, forbidden);
      continue;
    }
    if (isCredentialSlot(name, location, slot)) continue;
    out.push(
      makeParameter({
        name,
        location,
        schema: schemaOf(param),
        description: asString(param.description),
        required: location === 'PATH' || param.required === true,
      }),
    );
  }
  if (cookies.length > 0) out.push(cookieParameter(cookies));
  return out;
}
