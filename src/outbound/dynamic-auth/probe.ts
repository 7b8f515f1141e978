import type { Dispatcher } from 'undici';
import { DEFAULT_API_KEY_HEADER, type Provider } from '../../core/model.js';
import { fetchToken } from './fetch-token.js';
import type { LifetimeSource } from './lifetime.js';
import { TokenFetchError, type TokenStep } from './token-error.js';

/**
 * `toolwire provider test CODE`: one fresh fetch, no cache, reported as a value the CLI can print,
 * so a user can see whether the credentials work and where the token will go before any tool call.
 */

export type ProbeResult =
  | {
      ok: true;
      /** The token with all but its first 4 and last 2 characters masked. */
      preview: string;
      lifetimeSeconds: number;
      lifetimeSource: LifetimeSource;
      injection: string;
    }
  | { ok: false; step: TokenStep; message: string };

export interface ProbeOptions {
  timeoutMs: number;
  defaultTtlMs: number;
  now?: () => number;
  dispatcher?: (() => Dispatcher) | undefined;
}

const MAX_MASK = 16;

/** Short tokens are masked whole: 6 visible characters of a 10-character token would be most of it. */
export function maskToken(token: string): string {
  if (token.length < 12) return '*'.repeat(Math.min(token.length, MAX_MASK));
  return `${token.slice(0, 4)}${'*'.repeat(Math.min(token.length - 6, MAX_MASK))}${token.slice(-2)}`;
}

/** Where the call path puts a dynamic token, by the provider's static-key settings (SPEC §6). */
export function describeInjection(provider: Provider): string {
  if (provider.authenticationType === 'BEARER_TOKEN' || provider.authenticationType === 'NONE') {
    return 'header Authorization: Bearer …';
  }
  if (provider.authenticationType === 'BASIC_AUTH') return 'header Authorization: Basic …';
  const name = provider.apiKeyName?.trim();
  switch (provider.apiKeyLocation) {
    case 'QUERY_PARAMETER':
      return `query parameter ${name || '(apiKeyName is not set)'}`;
    case 'IN_BODY':
      return `body field ${name || '(apiKeyName is not set)'} (query for GET/DELETE)`;
    default:
      return `header ${name || DEFAULT_API_KEY_HEADER}`;
  }
}

export async function probeToken(provider: Provider, options: ProbeOptions): Promise<ProbeResult> {
  const now = options.now ?? Date.now;
  try {
    const fetched = await fetchToken(provider, { timeoutMs: options.timeoutMs, defaultTtlMs: options.defaultTtlMs, now, dispatcher: options.dispatcher });
    return {
      ok: true,
      preview: maskToken(fetched.token),
      lifetimeSeconds: Math.round(fetched.lifetimeMs / 1000),
      lifetimeSource: fetched.lifetimeSource,
      injection: describeInjection(provider),
    };
  } catch (err) {
    if (err instanceof TokenFetchError) return { ok: false, step: err.step, message: err.message };
    const kind = err instanceof Error ? err.name : typeof err;
    return { ok: false, step: 'request', message: `Could not obtain a token for provider "${provider.code}": unexpected error (${kind}).` };
  }
}
