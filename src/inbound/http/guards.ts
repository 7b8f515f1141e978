import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * Checks every /mcp and /admin request passes before it is routed: Host (exactly one of this
 * server's names, against DNS rebinding), Origin (browsers must not drive the server from another
 * site) and the bearer token.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** A loopback bind address: the loopback names, or an IPv4 address in 127/8 (not a name that merely starts with "127."). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || (isIPv4(host) && host.startsWith('127.'));
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

export interface GuardOptions {
  bindHost: string;
  port: number;
  allowedOrigins: string[];
  /** The Host values this server answers to; see hostAllowList. */
  hosts: HostAllowList;
  /** The origin of TOOLWIRE_PUBLIC_URL: a browser client served from there is this server's own. */
  publicOrigin: string | null;
}

/** Exact `name:port` values, and names accepted on any port (configured by the operator). */
export interface HostAllowList {
  exact: Set<string>;
  anyPort: Set<string>;
}

/** A Host header or allow-list entry: a DNS name, an IPv4 address or a bracketed IPv6 address, then an optional port. */
const HOST_SYNTAX = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?$/;

function parseHost(value: string): { name: string; port: string | null } | null {
  const match = HOST_SYNTAX.exec(value.toLowerCase());
  if (!match) return null;
  return { name: match[1] as string, port: match[2] === undefined ? null : String(Number(match[2])) };
}

const bracketed = (address: string) => (address.includes(':') && !address.startsWith('[') ? `[${address}]` : address);

/**
 * The Host values this server answers to, compared exactly (DNS rebinding: a name the attacker controls
 * must never pass because it starts like ours): the bound address with its port (every interface
 * address on a wildcard bind), the loopback names with the port on a loopback or wildcard bind, the
 * host of TOOLWIRE_PUBLIC_URL, and TOOLWIRE_ALLOWED_HOSTS (`name` for any port, `name:port` for one).
 */
export function hostAllowList(options: { bindHost: string; port: number; publicUrl: string | null; allowedHosts: string[] }): HostAllowList {
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  const addBound = (name: string) => {
    exact.add(`${bracketed(name.toLowerCase())}:${options.port}`);
    if (options.port === 80) exact.add(bracketed(name.toLowerCase()));
  };
  const bind = options.bindHost.trim();
  if (WILDCARD_HOSTS.has(bind)) {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const { address } of addresses ?? []) if (!address.includes('%')) addBound(address);
    }
  } else {
    addBound(bind.replace(/^\[(.*)\]$/, '$1'));
  }
  if (WILDCARD_HOSTS.has(bind) || isLoopbackHost(bind.replace(/^\[(.*)\]$/, '$1'))) for (const name of ['localhost', '127.0.0.1', '::1']) addBound(name);
  if (options.publicUrl) {
    const url = new URL(options.publicUrl);
    exact.add(url.host.toLowerCase());
    exact.add(`${url.hostname.toLowerCase()}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`);
  }
  for (const entry of options.allowedHosts) {
    const parsed = parseHost(entry);
    if (!parsed) continue;
    if (parsed.port === null) anyPort.add(parsed.name);
    else exact.add(`${parsed.name}:${parsed.port}`);
  }
  return { exact, anyPort };
}

/**
 * Host values, exactly as sent, that passed the check against an allow-list (which never changes once
 * built): a client sends the same Host on every request, so it is parsed once, not per request. Only
 * accepted values are kept, at most MAX_ACCEPTED_HOSTS per list (a port-less allowed name accepts any
 * port: a client cycling ports just falls back to parsing); a refused Host is always checked anew.
 */
const acceptedHosts = new WeakMap<HostAllowList, Set<string>>();
const MAX_ACCEPTED_HOSTS = 64;

/** Null when the Host header names this server exactly; otherwise why it is refused (403), naming the fix. */
export function hostProblem(req: IncomingMessage, options: GuardOptions): string | null {
  const host = req.headers.host;
  if (!host) return 'a Host header is required';
  const hosts = options.hosts;
  const accepted = acceptedHosts.get(hosts);
  if (accepted?.has(host)) return null;
  const parsed = parseHost(host);
  if (parsed) {
    const { exact, anyPort } = hosts;
    if (anyPort.has(parsed.name) || exact.has(parsed.port === null ? parsed.name : `${parsed.name}:${parsed.port}`)) {
      if (!accepted) acceptedHosts.set(hosts, new Set([host]));
      else if (accepted.size < MAX_ACCEPTED_HOSTS) accepted.add(host);
      return null;
    }
  }
  return `host "${host}" is not a name of this server (its bound address and port${isLoopbackHost(options.bindHost) ? ', or localhost with that port' : ''}); if clients reach toolwire under that name, add it to TOOLWIRE_ALLOWED_HOSTS (comma-separated, "name" or "name:port") or set TOOLWIRE_PUBLIC_URL`;
}

/** A request with an Origin must come from the server's own origin or one listed in TOOLWIRE_ALLOWED_ORIGINS. */
export function originProblem(req: IncomingMessage, options: GuardOptions): string | null {
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  if (options.allowedOrigins.includes(origin) || origin === options.publicOrigin) return null;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `origin "${origin}" is not allowed`;
  }
  const host = req.headers.host;
  const own = host !== undefined && parsed.host === host && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
  const ownLoopback =
    isLoopbackHost(options.bindHost) && LOOPBACK_HOSTS.has(parsed.hostname === '[::1]' ? '::1' : parsed.hostname) && Number(parsed.port || 80) === options.port;
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
  return presented ? tokenMatches(presented, expected) : false;
}

/** Compares a token with the expected one in constant time (the web admin's sign-in too). */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
