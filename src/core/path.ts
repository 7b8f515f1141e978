import { ToolwireError } from './errors.js';
import type { HttpMethod, Parameter, ParameterLocation } from './model.js';

/**
 * `endpointPath` with `{param}` placeholders, compiled once per tool. Values are percent-encoded so
 * that no value can add a path segment, a query or a fragment, or climb with `..`.
 */
export interface CompiledPath {
  names: Set<string>;
  render(args: Record<string, unknown>): string;
}

const PLACEHOLDER = /\{([^{}]+)\}/g;

export function pathParameterNames(endpointPath: string): Set<string> {
  return new Set([...endpointPath.matchAll(PLACEHOLDER)].map((m) => (m[1] as string).trim()));
}

export function compilePath(endpointPath: string): CompiledPath {
  const normalized = endpointPath === '' || endpointPath.startsWith('/') || endpointPath.startsWith('?') ? endpointPath : `/${endpointPath}`;
  const parts = normalized.split(PLACEHOLDER); // odd indexes are names
  const names = pathParameterNames(normalized);
  return {
    names,
    render(args) {
      let out = '';
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        out += i % 2 === 0 ? part : encodePathValue(args[part.trim()], part.trim());
      }
      return out;
    },
  };
}

export function encodePathValue(value: unknown, name = 'value'): string {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // "." and ".." are dot segments however they are encoded (URL parsers decode %2E): refuse them.
  if (text === '.' || text === '..') {
    throw new ToolwireError('INVALID_ARGUMENTS', `Path argument "${name}" cannot be "${text}": it would change the request path. Nothing was sent.`);
  }
  return encodeURIComponent(text);
}

/** Joins the provider's base URL and a rendered tool path: the tool path is appended to the base path. */
export function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  return base + path;
}

/** Where an argument goes: its explicit location, else the path when the endpoint names it, else the query (GET, DELETE) or the body. */
export function locationOf(param: Parameter, pathNames: Set<string>, method: HttpMethod): ParameterLocation {
  if (param.location) return param.location;
  if (pathNames.has(param.name)) return 'PATH';
  return method === 'GET' || method === 'DELETE' ? 'QUERY' : 'BODY';
}
