import type { Dispatcher } from 'undici';
import { credentialPlacement } from '../../core/credential-placement.js';
import type { Provider } from '../../core/model.js';
import { fetchProviderToken } from './provider-token.js';
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
const UNNAMED = '(apiKeyName is not set)';

/** Short tokens are masked whole: 6 visible characters of a 10-character token would be most of it. */
export function maskToken(token: string): string {
  if (token.length < 12) return '*'.repeat(Math.min(token.length, MAX_MASK));
  return `${token.slice(0, 4)}${'*'.repeat(Math.min(token.length - 6, MAX_MASK))}${token.slice(-2)}`;
}

/** Where the call path puts a dynamic token, by the provider's static-key settings (SPEC §6). */
export function describeInjection(provider: Provider): string {
  const place = credentialPlacement({ ...provider, isDynamicAuth: true });
  switch (place.in) {
    case 'none':
      return 'nowhere (authenticationType NONE)';
    case 'authorization':
      return `header Authorization: ${place.scheme} …`;
    case 'header':
      return `header ${place.name}`;
    case 'query':
      return `query parameter ${place.named ? place.name : UNNAMED}`;
    case 'body':
      return `body field ${place.named ? place.name : UNNAMED} (query for GET/DELETE)`;
  }
}

export async function probeToken(provider: Provider, options: ProbeOptions): Promise<ProbeResult> {
  const now = options.now ?? Date.now;
  try {
    const fetched = await fetchProviderToken(provider, {
      timeoutMs: options.timeoutMs,
      defaultTtlMs: options.defaultTtlMs,
      now,
      dispatcher: options.dispatcher,
    });
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
