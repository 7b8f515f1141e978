import { isForbiddenArgumentHeader } from '../../core/forbidden-headers.js';
import { isSecretStandIn, type HttpMethod, type ParameterLocation, type Tool } from '../../core/model.js';
import { compilePath, joinUrl, locationOf } from '../../core/path.js';
import { compileTemplate, type CompiledTemplate } from '../../core/template.js';
import { typedDefault } from '../../core/input-schema.js';

/** The request as it is being built: auth strategies add to it before it is sent. */
export interface OutgoingRequest {
  method: HttpMethod;
  /** Scheme and host (the connection pool's key). */
  origin: string;
  /** Scheme, host and path; the query lives in `query`. */
  url: string;
  query: Array<[string, string]>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** A JSON body as a value (serialized when sent), or undefined for none. */
  body: unknown;
  /** A credential injected into the query string: carried over to a same-origin redirect's URL. */
  queryCredential?: [string, string];
}

interface PlannedParameter {
  /** The argument's name. */
  name: string;
  /** The name sent to the API (usually the same). */
  wireName: string;
  location: ParameterLocation;
  fallback: unknown;
}

/** Everything about a tool's request that does not depend on the arguments, worked out once. */
export interface RequestPlan {
  build(args: Record<string, unknown>): OutgoingRequest;
}

export function planRequest(tool: Tool, baseUrl: string, customHeaders: Record<string, string>): RequestPlan {
  const [pathPart, fixedQuery = ''] = tool.endpointPath.split(/\?(.*)/s, 2) as [string, string?];
  const path = compilePath(pathPart);
  const template: CompiledTemplate | null = tool.bodyPayloadTemplate ? compileTemplate(tool.bodyPayloadTemplate) : null;
  const params: PlannedParameter[] = tool.parameters
    .map((p) => ({
      name: p.name,
      wireName: p.apiName ?? p.name,
      location: locationOf(p, path.names, tool.httpMethod),
      fallback: typedDefault(p),
    }))
    // A tool stored before header arguments were checked may still name Host & co: never send those.
    .filter((p) => p.location !== 'HEADER' || !isForbiddenArgumentHeader(p.wireName));
  // A renamed path parameter still fills the placeholder of its API name.
  const renamedPath = params.filter((p) => p.location === 'PATH' && p.wireName !== p.name);
  const fixed = [...new URLSearchParams(fixedQuery)];
  // A header still holding an import placeholder has no value yet: it is not sent.
  const headers = Object.fromEntries(
    Object.entries(customHeaders)
      .filter(([, v]) => !isSecretStandIn(v))
      .map(([k, v]) => [k.toLowerCase(), v]),
  );
  const hasBody = tool.httpMethod !== 'GET' && tool.httpMethod !== 'DELETE';
  const origin = new URL(baseUrl).origin;
  // The URL starts with the origin as the pool knows it (host lower-cased, default port dropped, IPv6
  // and dotted forms normalized), so the request path is what follows it.
  const base = origin + baseUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');

  return {
    build(args) {
      const values: Record<string, unknown> = { ...args };
      for (const p of params) if (values[p.name] === undefined && p.fallback !== undefined) values[p.name] = p.fallback;
      let pathValues = values;
      if (renamedPath.length > 0) {
        pathValues = { ...values };
        for (const p of renamedPath) pathValues[p.wireName] = values[p.name];
      }
      const request: OutgoingRequest = {
        method: tool.httpMethod,
        origin,
        url: joinUrl(base, path.render(pathValues)),
        query: [...fixed],
        headers: {},
        body: undefined,
      };
      let body: Record<string, unknown> | undefined;
      for (const p of params) {
        const value = values[p.name];
        if (value === undefined || p.location === 'PATH' || template?.names.has(p.name)) continue;
        if (p.location === 'QUERY' || (p.location === 'BODY' && !hasBody)) appendQuery(request.query, p.wireName, value);
        else if (p.location === 'HEADER') request.headers[p.wireName.toLowerCase()] = scalarText(value);
        else if (!template) (body ??= {})[p.wireName] = value;
      }
      Object.assign(request.headers, headers); // configured headers win over arguments
      // GET and DELETE carry no body: their BODY parameters went to the query above.
      if (template) request.body = JSON.parse(template.render(values));
      else if (hasBody) request.body = body ?? {};
      return request;
    },
  };
}

function appendQuery(query: Array<[string, string]>, name: string, value: unknown): void {
  if (Array.isArray(value)) for (const item of value) query.push([name, scalarText(item)]);
  else query.push([name, scalarText(value)]);
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The full URL with its query, encoded. */
export function requestUrl(request: OutgoingRequest): string {
  if (request.query.length === 0) return request.url;
  return `${request.url}?${new URLSearchParams(request.query).toString()}`;
}
