/**
 * The provider's `baseUrl`: `options.baseUrl` when given, else the document's server URL with its
 * variables replaced by their defaults (`servers[0]`, unless a later server is https and it is not,
 * or it is relative and a later one is absolute). A relative server URL (`/v1`) or none cannot make the absolute URL a
 * provider needs, so the user is asked for one instead of guessing a host.
 */
import { ToolwireError } from '../errors.js';
import { asArray, asRecord, asString, isRecord, type Dict } from './util.js';

function isAbsoluteHttp(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `https://{region}.example.com/{version}` with each variable's default (else its first enum value). */
export function serverUrl(server: unknown): string | undefined {
  if (!isRecord(server)) return undefined;
  const variables = asRecord(server.variables);
  const url = asString(server.url);
  return url?.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = asRecord(variables[name]);
    const value = variable.default ?? asArray(variable.enum)[0];
    return value === undefined ? whole : String(value);
  });
}

/** The first https server, else the first http one: documents often list `http://` before `https://`. */
function pickServerUrl(doc: Dict): { url: string | undefined; absolute: boolean } {
  const urls = asArray(doc.servers).map(serverUrl).filter((u): u is string => u !== undefined && !/[{}]/.test(u));
  const absolute = urls.find((u) => u.startsWith('https:') && isAbsoluteHttp(u)) ?? urls.find(isAbsoluteHttp);
  return absolute !== undefined ? { url: absolute, absolute: true } : { url: serverUrl(asArray(doc.servers)[0]), absolute: false };
}

export function resolveBaseUrl(doc: Dict, override: string | undefined): string {
  if (override !== undefined) {
    if (!isAbsoluteHttp(override)) {
      throw new ToolwireError('INVALID_INPUT', `baseUrl "${override}" is not an absolute http(s) URL.`);
    }
    return trimSlash(override);
  }
  const { url, absolute } = pickServerUrl(doc);
  if (url !== undefined && absolute) return trimSlash(url);
  const what = url === undefined ? 'The document names no server URL' : `The document's server URL "${url}" is not an absolute http(s) URL`;
  throw new ToolwireError(
    'INVALID_INPUT',
    `${what}: give the API's base URL (baseUrl option, e.g. --base-url https://api.example.com/v1).`,
  );
}

function resolveAgainst(url: string, base: string): string | undefined {
  try {
    return trimSlash(new URL(url, base).href);
  } catch {
    return undefined;
  }
}

/**
 * What an operation with its own `servers` must prefix to its path, relative to one of the
 * document's servers (so it still holds when the user overrides the base URL): '' for the same server or
 * none of its own, `/sub` for a server below it, undefined for a server elsewhere (such an operation
 * cannot be called through this provider).
 */
export function operationPrefix(servers: unknown, doc: Dict): string | undefined {
  const list = asArray(servers);
  if (list.length === 0) return '';
  const origin = 'http://relative.invalid/';
  const docServers = asArray(doc.servers).length > 0 ? asArray(doc.servers) : [{ url: '/' }];
  const docUrls = docServers.map((s) => resolveAgainst(serverUrl(s) ?? '/', origin)).filter((u) => u !== undefined);
  for (const server of list) {
    const url = serverUrl(server);
    for (const docUrl of docUrls) {
      const own = url === undefined ? undefined : resolveAgainst(url, `${docUrl}/`);
      if (own === docUrl) return '';
      if (own?.startsWith(`${docUrl}/`)) return own.slice(docUrl.length);
    }
  }
  return undefined;
}
