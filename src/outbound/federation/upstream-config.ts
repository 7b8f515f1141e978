import { createHash } from 'node:crypto';
import { providerSecrets } from '../credentials/provider-secrets.js';
import { createRedactor, type Redactor } from '../../core/redact.js';
import type { McpProvider, McpTransport, RemoteTransport } from '../../core/model.js';

/**
 * Everything needed to reach one upstream MCP server, resolved from its provider and the vaults.
 * `fingerprint` changes whenever anything that needs a new connection changes (URL, protocol,
 * command, arguments, environment, headers or credential), without holding a secret itself.
 */
export interface UpstreamConfig {
  providerId: number;
  code: string;
  /** How to reach it; a stdio server's env is passed to that process alone, on top of a minimal safe environment. */
  transport: McpTransport;
  /** HTTP transports: custom headers plus `Authorization: Bearer` when there is a credential. */
  headers: Readonly<Record<string, string>>;
  /** Masks every secret of this upstream in results, errors and log lines. */
  redact: Redactor;
  fingerprint: string;
}

/** The owner's newest vault credential for a server URL and protocol, from memory (read with the registry's build). */
export type SharedVaultToken = (url: string, protocol: string) => string | null;

/** The credential of an HTTP upstream: its `api_key` (apiKeyValue), else the newest matching vault credential. */
export function upstreamCredential(provider: McpProvider, transport: RemoteTransport, vaultToken: SharedVaultToken): string | null {
  if (provider.apiKeyValue) return provider.apiKeyValue;
  return vaultToken(transport.url, transport.protocol);
}

/** `scheme://user:password@` anywhere in a value: the userinfo of a URL (up to its last `@`, as URL parsers read it). */
const URL_USERINFO = /[A-Za-z][A-Za-z0-9+.-]*:\/\/([^\s/?#]+)@/g;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * What to mask for the env of a stdio server: every value is a secret (a `DB_URL`, a short password,
 * a passphrase with spaces), whatever its name or shape. Beside each whole value: each line of a
 * multi-line one (stderr is read line by line), and for a URL with credentials its password and its
 * `user:password` on their own, as written and percent-decoded (a driver's error may quote them).
 * The redactor skips values under its minimum length (4 characters).
 */
export function envSecrets(env: Readonly<Record<string, string>>): string[] {
  const secrets: string[] = [];
  for (const value of Object.values(env)) {
    secrets.push(value);
    if (/[\r\n]/.test(value)) secrets.push(...value.split(/\r?\n|\r/).map((line) => line.trim()));
    for (const match of value.matchAll(URL_USERINFO)) {
      const userinfo = match[1] as string;
      const colon = userinfo.indexOf(':');
      if (colon < 0) continue;
      const password = userinfo.slice(colon + 1);
      secrets.push(userinfo, decoded(userinfo), password, decoded(password));
    }
  }
  return secrets;
}

function bearer(credential: string): string {
  return /^bearer\s/i.test(credential) ? credential : `Bearer ${credential}`;
}

export function resolveUpstream(provider: McpProvider, vaultToken: SharedVaultToken): UpstreamConfig {
  const given = provider.transport;
  return upstreamConfigWith(provider, given.protocol === 'stdio' ? null : upstreamCredential(provider, given, vaultToken));
}

/**
 * The connection to the provider's server with `credential` as its bearer token: the provider's own
 * (resolveUpstream), or one client's (SPEC §11: its `api_key` or its newest matching vault credential).
 */
export function upstreamConfigWith(provider: McpProvider, credential: string | null): UpstreamConfig {
  const given = provider.transport;
  const stdio = given.protocol === 'stdio';
  const headers: Record<string, string> = stdio ? {} : { ...provider.customHeaders };
  if (credential) {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    headers.Authorization = bearer(credential);
  }
  const transport: McpTransport = given.protocol === 'stdio' ? { ...given, args: [...given.args], env: { ...given.env } } : { ...given };
  const env = transport.protocol === 'stdio' ? transport.env : {};
  const secrets = [credential, ...providerSecrets(provider), ...envSecrets(env)];
  const identity = JSON.stringify([provider.code, transport, headers]);
  return {
    providerId: provider.id,
    code: provider.code,
    transport,
    headers,
    redact: createRedactor(secrets),
    fingerprint: createHash('sha256').update(identity).digest('hex'),
  };
}
