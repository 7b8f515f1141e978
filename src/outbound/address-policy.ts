import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { createRequire } from 'node:module';
import { BlockList, isIP, type Socket } from 'node:net';
import type { Agent, buildConnector, Dispatcher } from 'undici';
import { ToolwireError } from '../core/errors.js';

/**
 * SPEC §15 outbound addresses: with TOOLWIRE_BLOCK_PRIVATE=1, every connection toolwire opens (tool
 * calls, dynamic-auth tokens, upstream MCP servers) is refused when the address it actually connects
 * to is not public. The check sits in the socket connector (a `lookup` wrapper for names, a literal
 * check for IP hosts, and the socket's remote address once connected), so it runs once per new
 * connection, on the address used: no DNS-rebinding window, and keep-alive reuse costs nothing.
 */

export const BLOCK_PRIVATE_VARIABLE = 'TOOLWIRE_BLOCK_PRIVATE';

/** A connection refused by the policy. Its message names the host, the address and the variable. */
export class BlockedAddressError extends ToolwireError {
  readonly host: string;
  readonly address: string;
  readonly reason: string;
  /** The message without its final period, for a caller that puts it inside its own sentence. */
  readonly refusal: string;
  constructor(host: string, address: string, reason: string) {
    const where =
      host === address ? `${host}, ${article(reason)} ${reason} address` : `${host}: it resolves to ${address}, ${article(reason)} ${reason} address`;
    const refusal = `Refused to connect to ${where}. ${BLOCK_PRIVATE_VARIABLE}=1 allows only public addresses (no loopback, private, link-local, CGNAT, cloud metadata or reserved ones). Point the URL at a public host, or unset ${BLOCK_PRIVATE_VARIABLE} to reach local and private APIs`;
    super('BLOCKED_ADDRESS', `${refusal}.`);
    this.name = 'BlockedAddressError';
    this.host = host;
    this.address = address;
    this.reason = reason;
    this.refusal = refusal;
  }
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

// ---------------------------------------------------------------------------------------------
// The classifier
// ---------------------------------------------------------------------------------------------

type Rule = readonly [reason: string, cidrs: readonly string[]];

/** Checked in order: the first match names the reason (metadata before link-local, and so on). */
const V4_RULES: readonly Rule[] = [
  ['unspecified', ['0.0.0.0/8']],
  ['loopback', ['127.0.0.0/8']],
  ['cloud metadata', ['169.254.169.254/32', '168.63.129.16/32']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['CGNAT (shared address space)', ['100.64.0.0/10']],
  ['link-local', ['169.254.0.0/16']],
  ['documentation', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']],
  ['benchmarking', ['198.18.0.0/15']],
  ['multicast', ['224.0.0.0/4']],
  ['reserved', ['192.0.0.0/24', '192.88.99.0/24', '240.0.0.0/4']],
];

const V6_RULES: readonly Rule[] = [
  ['cloud metadata', ['fd00:ec2::254/128']],
  ['unique local (private)', ['fc00::/7']],
  ['link-local', ['fe80::/10']],
  ['site-local', ['fec0::/10']],
  ['multicast', ['ff00::/8']],
  ['NAT64 local-use', ['64:ff9b:1::/48']],
  ['documentation', ['2001:db8::/32', '3fff::/20']],
  ['benchmarking', ['2001:2::/48']],
  ['reserved', ['100::/64', '2001:10::/28', '2001:20::/28']],
];

interface Compiled {
  v4: Array<{ reason: string; list: BlockList }>;
  v6: Array<{ reason: string; list: BlockList }>;
  globalUnicast: BlockList;
}

let compiled: Compiled | null = null;

/** Built on first use (no work at import time), then shared: the rules never change. */
function rules(): Compiled {
  if (compiled) return compiled;
  const build = (rule: Rule, family: 'ipv4' | 'ipv6') => {
    const list = new BlockList();
    for (const cidr of rule[1]) {
      const [net, bits] = cidr.split('/') as [string, string];
      list.addSubnet(net, Number(bits), family);
    }
    return { reason: rule[0], list };
  };
  const globalUnicast = new BlockList();
  globalUnicast.addSubnet('2000::', 3, 'ipv6');
  compiled = { v4: V4_RULES.map((r) => build(r, 'ipv4')), v6: V6_RULES.map((r) => build(r, 'ipv6')), globalUnicast };
  return compiled;
}

function ipv4Bytes(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

/** The 16 bytes of an IPv6 address already validated by `isIP` (zone id removed). */
function ipv6Bytes(text: string): number[] | null {
  let body = text;
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = ipv4Bytes(last);
    if (!v4) return null;
    tail = v4;
    body = body.slice(0, lastColon); // "::ffff" of "::ffff:1.2.3.4"; ":" of "::1.2.3.4", made "::" again
    if (body.endsWith(':')) body += ':';
  }
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const halves = body.split('::');
  const left = groupsOf(halves[0] ?? '');
  const right = halves.length > 1 ? groupsOf(halves[1] ?? '') : [];
  const total = 8 - tail.length / 2;
  const middle = halves.length > 1 ? new Array<number>(total - left.length - right.length).fill(0) : [];
  const groups = [...left, ...middle, ...right];
  if (groups.length !== total || groups.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  return [...groups.flatMap((g) => [g >> 8, g & 0xff]), ...tail];
}

function classifyV4(address: string): string | null {
  for (const { reason, list } of rules().v4) if (list.check(address, 'ipv4')) return reason;
  return null;
}

const zeros = (bytes: number[], from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
const v4Text = (bytes: number[]) => bytes.join('.');

/**
 * IPv6 forms that carry an IPv4 address the packets end up at: IPv4-mapped and -translated,
 * NAT64 (64:ff9b::/96), 6to4 (2002::/16) and Teredo (2001::/32, server and obfuscated client).
 * Returns the embedded addresses with the name of the form, or null.
 */
function embeddedV4(bytes: number[]): { form: string; addresses: string[] } | null {
  const low = v4Text(bytes.slice(12, 16));
  if (zeros(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return { form: 'IPv4-mapped', addresses: [low] };
  if (zeros(bytes, 0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zeros(bytes, 10, 12)) return { form: 'IPv4-translated', addresses: [low] };
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(bytes, 4, 12)) return { form: 'NAT64', addresses: [low] };
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return { form: '6to4', addresses: [v4Text(bytes.slice(2, 6))] };
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0 && bytes[3] === 0) {
    return { form: 'Teredo', addresses: [v4Text(bytes.slice(4, 8)), v4Text(bytes.slice(12, 16).map((b) => b ^ 0xff))] };
  }
  return null;
}

function classifyV6(address: string): string | null {
  const bytes = ipv6Bytes(address);
  if (!bytes) return 'unparsable';
  if (zeros(bytes, 0, 16)) return 'unspecified';
  if (zeros(bytes, 0, 15) && bytes[15] === 1) return 'loopback';
  const embedded = embeddedV4(bytes);
  if (embedded) {
    for (const v4 of embedded.addresses) {
      const reason = classifyV4(v4);
      if (reason) return `${reason} (${embedded.form} ${v4})`;
    }
    return null;
  }
  const normal = bytes.reduce<string[]>((groups, b, i) => (i % 2 ? groups : [...groups, ((b << 8) | (bytes[i + 1] ?? 0)).toString(16)]), []).join(':');
  for (const { reason, list } of rules().v6) if (list.check(normal, 'ipv6')) return reason;
  // Everything outside 2000::/3 (global unicast) is unassigned or special: the IPv4-compatible ::/96, ::/8 and so on.
  if (!rules().globalUnicast.check(normal, 'ipv6')) return 'reserved';
  return null;
}

/**
 * Why an IP address is not public (`'loopback'`, `'private'`, `'CGNAT (shared address space)'`,
 * `'private (IPv4-mapped 10.0.0.1)'`…), or null when it is a public address. A string that is not
 * an IP address is `'unparsable'`: the caller refuses what it cannot judge.
 */
export function nonPublicReason(address: string): string | null {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone); // a zone id only ever comes with a scoped (link-local) address
  const family = isIP(text);
  if (family === 4) return classifyV4(text);
  if (family === 6) return classifyV6(text.toLowerCase());
  return 'unparsable';
}

/**
 * The judgement of a URL host before any lookup: an IP literal by its address, `localhost` and
 * `*.localhost` (with or without trailing dots) as loopback (RFC 6761), any other name → null
 * (judged on the addresses it resolves to).
 */
export function hostReason(host: string): { address: string; reason: string } | null {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (isIP(name.split('%')[0] ?? '') !== 0) {
    const reason = nonPublicReason(name);
    return reason ? { address: name, reason } : null;
  }
  name = name.replace(/\.+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return { address: host, reason: 'loopback' };
  return null;
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `dns.lookup` that refuses when any address of the answer is not public (the socket connects to one of them). */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, options, ((err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
    if (err) return callback(err, address, family);
    const list: LookupAddress[] = Array.isArray(address) ? address : [{ address, family: family ?? 0 }];
    for (const entry of list) {
      const reason = nonPublicReason(entry.address);
      if (reason) return callback(new BlockedAddressError(hostname, entry.address, reason) as unknown as NodeJS.ErrnoException, address, family);
    }
    return callback(null, address, family);
  }) as never);
}

type Connector = buildConnector.connector;

/**
 * An undici connector that applies the policy: IP literals and localhost names are refused before
 * any packet is sent, names through `guardedLookup`, and the connected socket's remote address is
 * checked once more (belt and braces: a proxy or an OS resolver quirk cannot route around it).
 */
export function createGuardedConnector(): Connector {
  const require = createRequire(import.meta.url);
  const build = require('undici/lib/core/connect.js') as typeof buildConnector;
  const base = build({ lookup: guardedLookup } as buildConnector.BuildOptions);
  return ((options: buildConnector.Options, callback: buildConnector.Callback) => {
    const literal = hostReason(options.hostname);
    if (literal) {
      queueMicrotask(() => callback(new BlockedAddressError(options.hostname, literal.address, literal.reason), null));
      return;
    }
    base(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null);
      const remote = (socket as Socket).remoteAddress ?? '';
      const reason = nonPublicReason(remote);
      if (reason) {
        socket.destroy();
        return callback(new BlockedAddressError(options.hostname, remote, reason), null);
      }
      return callback(null, socket);
    });
  }) as Connector;
}

/** The policy's refusal inside a failed fetch (`TypeError: fetch failed` with the cause chain), or null. */
export function blockedCause(err: unknown): BlockedAddressError | null {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof BlockedAddressError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** `fetch` through a dispatcher, with the policy's refusal surfaced as the error itself. */
export function fetchThrough(dispatcher: Dispatcher): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, { ...init, dispatcher } as unknown as RequestInit);
    } catch (err) {
      throw blockedCause(err) ?? err;
    }
  };
}

/** The policy as one app uses it: the pools' connector, and a dispatcher for `fetch` users made on first use. */
export interface OutboundGuard {
  connect: Connector;
  /** `fetch` through the guarded Agent; a refusal rejects with the `BlockedAddressError` itself. */
  fetch: typeof fetch;
  dispatcher(): Dispatcher;
  close(): Promise<void>;
}

export function createOutboundGuard(): OutboundGuard {
  const connect = createGuardedConnector();
  let agent: Agent | null = null;
  const dispatcher = (): Dispatcher => {
    if (!agent) {
      const require = createRequire(import.meta.url);
      const AgentClass = require('undici/lib/dispatcher/agent.js') as typeof Agent;
      agent = new AgentClass({ connect, keepAliveTimeout: 30_000 });
    }
    return agent;
  };
  return {
    connect,
    fetch: (input, init) => fetchThrough(dispatcher())(input, init),
    dispatcher,
    close: async () => {
      const open = agent;
      agent = null;
      await open?.close();
    },
  };
}

/** The line `start` and `serve --http` print when blocking is off, so the choice is a visible one. */
export function blockingOffNotice(): string {
  return `Outbound addresses are not restricted: tools, token endpoints and upstream MCP servers may reach loopback and private networks. Set ${BLOCK_PRIVATE_VARIABLE}=1 to allow only public addresses.`;
}
