import { createHash } from 'node:crypto';
import { providerSecrets } from '../auth/provider-secrets.js';
import { createRedactor, isCredentialHeaderName, type Redactor } from '../redact.js';
import type { Store } from '../store/index.js';
import type { McpProtocol, Provider } from '../store/types.js';

/**
 * Everything needed to reach one upstream MCP server, resolved from its provider and the vaults.
 * `fingerprint` changes whenever anything that needs a new connection changes (URL, protocol,
 * command, arguments, environment, headers or credential), without holding a secret itself.
 */
export interface UpstreamConfig {
  providerId: number;
  code: string;
  protocol: McpProtocol;
  url: string | null;
  command: string | null;
  args: readonly string[];
  /** stdio only: passed to that process alone, on top of a minimal safe environment. */
  env: Readonly<Record<string, string>>;
  /** HTTP transports: custom headers plus `Authorization: Bearer` when there is a credential. */
  headers: Readonly<Record<string, string>>;
  /** Masks every secret of this upstream in results, errors and log lines. */
  redact: Redactor;
  fingerprint: string;
}

/** The credential of an HTTP upstream: its `api_key` (apiKeyValue), else the newest matching vault credential. */
export function upstreamCredential(provider: Provider, store: Store): string | null {
  if (provider.apiKeyValue) return provider.apiKeyValue;
  if (!provider.url || (provider.protocol !== 'sse' && provider.protocol !== 'streamable_http')) return null;
  return store.vaults.tokenFor(provider.url, provider.protocol);
}

/**
 * Which env values of a stdio server are masked in what it answers: those named like a credential
 * (GITHUB_TOKEN, API_KEY…) and those that look like one (long, no spaces, letters and digits, not a
 * path or URL). Masking `true`, `info` or a directory would corrupt ordinary results. Every value is
 * still encrypted at rest and never logged.
 */
export function isSecretEnv(name: string, value: string): boolean {
  if (isCredentialHeaderName(name)) return true;
  return /^\S{12,}$/.test(value) && /[A-Za-z]/.test(value) && /\d/.test(value) && !value.startsWith('/') && !value.includes('://');
}

function bearer(credential: string): string {
  return /^bearer\s/i.test(credential) ? credential : `Bearer ${credential}`;
}

export function resolveUpstream(provider: Provider, store: Store): UpstreamConfig {
  const protocol: McpProtocol = provider.protocol ?? (provider.command ? 'stdio' : 'streamable_http');
  const stdio = protocol === 'stdio';
  const credential = stdio ? null : upstreamCredential(provider, store);
  const headers: Record<string, string> = stdio ? {} : { ...provider.customHeaders };
  if (credential) {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    headers.Authorization = bearer(credential);
  }
  const env = stdio ? { ...provider.env } : {};
  const secrets = [
    credential,
    ...providerSecrets(provider),
    ...Object.entries(env).filter(([name, value]) => isSecretEnv(name, value)).map(([, value]) => value),
  ];
  const identity = JSON.stringify([provider.code, protocol, provider.url, provider.command, provider.args, env, headers]);
  return {
    providerId: provider.id,
    code: provider.code,
    protocol,
    url: stdio ? null : provider.url,
    command: stdio ? provider.command : null,
    args: stdio ? [...provider.args] : [],
    env,
    headers,
    redact: createRedactor(secrets),
    fingerprint: createHash('sha256').update(identity).digest('hex'),
  };
}
