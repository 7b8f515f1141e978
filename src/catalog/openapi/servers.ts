/**
 * The provider's `baseUrl`: `options.baseUrl` when given, else the document's server URL with its
 * variables replaced by their defaults (`servers[0]`, unless a later server is https and it is not,
 * or it is relative and a later one is absolute; `https:` is assumed for a URL without a scheme). A relative server URL (`/v1`) or none cannot make the absolute URL a
 * provider needs, and toolwire does not guess a host: the provider gets the stand-in of a base URL to set
 * (`core/unset-base-url.ts`), keeping the relative URL's path as its prefix, and the report says how to set it.
 */
import { ToolwireError } from '../../core/errors.js';
import { unsetBaseUrl } from '../../core/unset-base-url.js';
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

/**
 * A server URL without a scheme (`//api.example.com`, common in converted Swagger 2.0 documents, or
 * a bare `api.example.com/v1`) gets `https:`; undefined when the URL is not made absolute that way.
 */
function withScheme(url: string): string | undefined {
  if (url.startsWith('//')) return `https:${url}`;
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?(\/|$)/.test(url) ? `https://${url}` : undefined;
}

export interface BaseUrl {
  baseUrl: string;
  warning?: string;
  /** The document names no absolute server: `baseUrl` is the stand-in, and this is the path prefix it keeps ('' for none). */
  toSet?: { pathPrefix: string };
}

/** The first https server, else the first http one: documents often list `http://` before `https://`. */
function pickServerUrl(doc: Dict): { url: string | undefined; absolute: boolean; warning?: string } {
  const urls = asArray(doc.servers)
    .map(serverUrl)
    .filter((u): u is string => u !== undefined && !/[{}]/.test(u));
  const absolute = urls.find((u) => u.startsWith('https:') && isAbsoluteHttp(u)) ?? urls.find(isAbsoluteHttp);
  if (absolute !== undefined) return { url: absolute, absolute: true };
  const first = serverUrl(asArray(doc.servers)[0]);
  const fixed = first === undefined ? undefined : withScheme(first);
  if (fixed !== undefined && isAbsoluteHttp(fixed)) {
    return { url: fixed, absolute: true, warning: `The server URL "${first}" has no scheme: ${fixed} assumed.` };
  }
  return { url: first, absolute: false };
}

export function resolveBaseUrl(doc: Dict, override: string | undefined): BaseUrl {
  if (override !== undefined) {
    if (!isAbsoluteHttp(override)) {
      throw new ToolwireError('INVALID_INPUT', `baseUrl "${override}" is not an absolute http(s) URL.`);
    }
    return { baseUrl: trimSlash(override) };
  }
  const { url, absolute, warning } = pickServerUrl(doc);
  if (url !== undefined && absolute) return warning === undefined ? { baseUrl: trimSlash(url) } : { baseUrl: trimSlash(url), warning };
  // Said by the import report (`baseUrlToSet`), only while the provider has no base URL set.
  const pathPrefix = relativePath(url);
  return { baseUrl: unsetBaseUrl(pathPrefix), toSet: { pathPrefix } };
}

/** The path of a relative server URL (`/api/v3`, `api/v3`, `./v1`), '' for none or `/`. */
function relativePath(url: string | undefined): string {
  if (url === undefined || url.trim() === '') return '';
  const resolved = resolveAgainst(url.trim(), 'http://relative.invalid/');
  if (resolved === undefined) return '';
  const path = new URL(resolved).pathname.replace(/\/+$/, '');
  return path === '/' ? '' : path;
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
  // Compared without their scheme: `//host`, `http://host` and `https://host` are the same API.
  const bare = (url: string | undefined): string | undefined => url?.replace(/^https?:/, '');
  const docUrls = docServers
    .map((server) => {
      const url = serverUrl(server) ?? '/';
      return bare(resolveAgainst(withScheme(url) ?? url, origin));
    })
    .filter((url) => url !== undefined);
  for (const server of list) {
    const url = serverUrl(server);
    for (const docUrl of docUrls) {
      const own = url === undefined ? undefined : bare(resolveAgainst(url, `http:${docUrl}/`));
      if (own === docUrl) return '';
      if (own?.startsWith(`${docUrl}/`)) return own.slice(docUrl.length);
    }
  }
  return undefined;
}
