import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Checks every /mcp and /admin request passes before it is routed: Host (against DNS rebinding on
 * loopback binds), Origin (browsers must not drive the server from another site) and the bearer token.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.startsWith('127.');
}

export interface GuardOptions {
  bindHost: string;
  port: number;
  allowedOrigins: string[];
}

/** The Host header without its port, IPv6 brackets kept. */
function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.split(':')[0] as string;
}

/** A loopback-bound server answers only to loopback names: a rebinding attacker's name is refused. */
export function hostProblem(req: IncomingMessage, options: GuardOptions): string | null {
  if (!isLoopbackHost(options.bindHost)) return null;
  const host = req.headers.host;
  if (!host) return 'a Host header is required';
  return LOOPBACK_HOSTS.has(hostName(host)) || hostName(host).startsWith('127.') ? null : `host "${host}" is not allowed on a loopback server`;
}

/** A request with an Origin must come from the server's own origin or one listed in TOOLWIRE_ALLOWED_ORIGINS. */
export function originProblem(req: IncomingMessage, options: GuardOptions): string | null {
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  if (options.allowedOrigins.includes(origin)) return null;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `origin "${origin}" is not allowed`;
  }
  const host = req.headers.host;
  const own = host !== undefined && parsed.host === host && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
  const ownLoopback = isLoopbackHost(options.bindHost) && LOOPBACK_HOSTS.has(parsed.hostname === '[::1]' ? '::1' : parsed.hostname) && Number(parsed.port || 80) === options.port;
  return own && (!isLoopbackHost(options.bindHost) || ownLoopback) ? null : `origin "${origin}" is not allowed (set TOOLWIRE_ALLOWED_ORIGINS to allow it)`;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The token of an `Authorization: Bearer …` header, or null. */
export function presentedBearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^bearer\s+/i.test(header)) return null;
  return header.replace(/^bearer\s+/i, '').trim() || null;
}

/** Compares the presented bearer token (or the value of `alsoHeader`) with the expected one in constant time. */
export function bearerMatches(req: IncomingMessage, expected: string, alsoHeader?: string): boolean {
  let presented = presentedBearer(req);
  if (presented === null && alsoHeader) {
    const value = req.headers[alsoHeader];
    presented = typeof value === 'string' ? value.trim() : null;
  }
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
