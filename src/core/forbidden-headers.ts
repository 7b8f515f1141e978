/**
 * Request headers a tool argument may never set, whoever wrote the tool (an OpenAPI import, tool
 * JSON by hand, the admin API). Such a header steers the transport or what servers and proxies
 * trust, not the API call: a `Host` argument could address another virtual host behind the same
 * address, `Content-Length`/`Transfer-Encoding` could smuggle a second request, `X-Forwarded-For`
 * could forge a client address an API trusts, a method override could make a read-only GET tool
 * delete. toolwire (or undici) sets the framing and routing headers itself.
 *
 * The OpenAPI import skips such parameters with the reason given here; tool validation refuses them.
 */

/** Header names (lower case) matched exactly, with why an argument may not set them. */
const EXACT: ReadonlyMap<string, string> = new Map([
  ['host', "it names the server the request is for, which toolwire takes from the provider's base URL"],
  ['content-length', 'it frames the request body, which toolwire sets itself (a wrong one can smuggle a second request)'],
  ['transfer-encoding', 'it frames the request body, which toolwire sets itself (a wrong one can smuggle a second request)'],
  ['connection', 'it is a hop-by-hop header that controls the connection, not the API call'],
  ['keep-alive', 'it is a hop-by-hop header that controls the connection, not the API call'],
  ['upgrade', 'it is a hop-by-hop header that switches the connection to another protocol'],
  ['te', 'it is a hop-by-hop header that controls the transfer coding of the answer'],
  ['trailer', 'it announces trailer fields of a chunked body, which toolwire does not send'],
  ['expect', 'it changes how the request is sent (100-continue), which toolwire does not support'],
  ['forwarded', 'it claims a client address or route that proxies and APIs trust'],
  ['via', 'it claims a client address or route that proxies and APIs trust'],
  ['x-real-ip', 'it claims a client address or route that proxies and APIs trust'],
  ['x-http-method-override', 'it overrides the HTTP method, so a tool declared as GET could delete'],
  ['x-http-method', 'it overrides the HTTP method, so a tool declared as GET could delete'],
  ['x-method-override', 'it overrides the HTTP method, so a tool declared as GET could delete'],
  ['x-original-url', 'it overrides the request path on some servers, so a tool could reach another endpoint'],
  ['x-rewrite-url', 'it overrides the request path on some servers, so a tool could reach another endpoint'],
]);

/** Header name prefixes (lower case), with why. */
const PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['x-forwarded-', 'it claims a client address or route that proxies and APIs trust'],
  ['proxy-', 'it is meant for a proxy (credentials or connection control), not for the API'],
];

/** An RFC 9110 field name (`token`): anything else cannot be sent as a header at all. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether `name` can be sent as an HTTP header name at all. */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/**
 * Why a tool argument may not set the header `name` (case-insensitive, surrounding blanks ignored),
 * as a clause for a message ("it frames the request body…"); undefined when it may.
 */
export function forbiddenHeaderReason(name: string): string | undefined {
  const trimmed = name.trim();
  if (!TOKEN.test(trimmed)) return 'it is not a valid HTTP header name';
  const lower = trimmed.toLowerCase();
  const exact = EXACT.get(lower);
  if (exact !== undefined) return exact;
  return PREFIXES.find(([prefix]) => lower.startsWith(prefix))?.[1];
}

/**
 * True when a tool argument may never set the header `name`: routing, framing, hop-by-hop,
 * forwarding and method-override headers, and names that are not valid header names. Check the
 * name sent on the wire (a renamed parameter's API name), not the argument's name.
 */
export function isForbiddenArgumentHeader(name: string): boolean {
  return forbiddenHeaderReason(name) !== undefined;
}
