import type { Dispatcher } from 'undici';
import { ToolwireError } from '../../errors.js';
import type { Provider } from '../../store/types.js';
import { fetchToken } from './fetch-token.js';
import { refreshMarginMs } from './lifetime.js';

/**
 * Dynamic-auth tokens, cached in memory per provider id. Many tool calls may need a token at the same
 * moment: they share one request (single-flight). A failure is not cached as a token, but remembered
 * for a short backoff so a burst of calls does not hammer (or lock) the account at the token endpoint.
 */

export interface TokenManagerOptions {
  timeoutMs: number;
  defaultTtlMs: number;
  failureBackoffMs?: number;
  now?: () => number;
  /** The guarded dispatcher when TOOLWIRE_BLOCK_PRIVATE is on (SPEC §15); absent = fetch's default. */
  dispatcher?: (() => Dispatcher) | undefined;
}

export interface TokenManager {
  getToken(provider: Provider): Promise<string>;
  /** Drops the cached token only if it is still `staleToken`, so N concurrent 401s cause one refresh. */
  invalidate(providerId: number, staleToken: string): void;
  /** Forgets everything about a provider (updated or removed); a fetch in flight will not be cached. */
  drop(providerId: number): void;
  clear(): void;
}

/**
 * One provider's state. A slot belongs to one auth configuration: when the provider's dynamic-auth
 * fields change, a new slot replaces it, and a fetch finishing for a replaced slot stores nothing.
 */
interface Slot {
  fingerprint: string;
  cached: { token: string; expiresAt: number } | null;
  inflight: Promise<string> | null;
  failure: { error: ToolwireError; until: number } | null;
}

function fingerprintOf(p: Provider): string {
  return JSON.stringify([
    p.dynamicAuthUrl, p.dynamicAuthMethod, p.dynamicAuthPayload, p.dynamicAuthPayloadType,
    p.dynamicAuthPayloadLocation, p.dynamicAuthTokenExtractionPath,
  ]);
}

function asAuthFetch(err: unknown, provider: Provider): ToolwireError {
  if (err instanceof ToolwireError && err.code === 'AUTH_FETCH') return err;
  const kind = err instanceof Error ? err.name : typeof err;
  return new ToolwireError('AUTH_FETCH', `Could not obtain a token for provider "${provider.code}": unexpected error (${kind}).`);
}

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { timeoutMs, defaultTtlMs, failureBackoffMs = 3000, now = Date.now, dispatcher } = options;
  const slots = new Map<number, Slot>();

  function slotFor(provider: Provider): Slot {
    const fingerprint = fingerprintOf(provider);
    const existing = slots.get(provider.id);
    if (existing && existing.fingerprint === fingerprint) return existing;
    const fresh: Slot = { fingerprint, cached: null, inflight: null, failure: null };
    slots.set(provider.id, fresh);
    return fresh;
  }

  async function refresh(provider: Provider, slot: Slot): Promise<string> {
    try {
      const fetched = await fetchToken(provider, { timeoutMs, defaultTtlMs, now, dispatcher });
      const expiresAt = fetched.fetchedAt + fetched.lifetimeMs - refreshMarginMs(fetched.lifetimeMs);
      slot.cached = { token: fetched.token, expiresAt };
      slot.failure = null;
      return fetched.token;
    } catch (err) {
      const error = asAuthFetch(err, provider);
      slot.failure = { error, until: now() + failureBackoffMs };
      throw error;
    }
  }

  async function getToken(provider: Provider): Promise<string> {
    const slot = slotFor(provider);
    const time = now();
    if (slot.cached && time < slot.cached.expiresAt) return slot.cached.token;
    if (slot.inflight) return slot.inflight;
    if (slot.failure && time < slot.failure.until) throw slot.failure.error;
    // `.finally` runs after this assignment, even if the fetch fails at once.
    const pending = refresh(provider, slot).finally(() => {
      slot.inflight = null;
    });
    slot.inflight = pending;
    return pending;
  }

  return {
    getToken,
    invalidate(providerId, staleToken) {
      const slot = slots.get(providerId);
      if (slot?.cached?.token === staleToken) slot.cached = null;
    },
    drop(providerId) {
      slots.delete(providerId);
    },
    clear() {
      slots.clear();
    },
  };
}

/**
 * Whether an upstream answer means the token is no longer accepted: a 401, or a non-2xx whose body
 * names one of the provider's invalidation keywords (comma-separated, case-insensitive). A 2xx never
 * does, even if its body mentions a keyword (a search result may say "ExpiredToken").
 */
export function isInvalidation(status: number, body: string, keywordsCsv: string | null): boolean {
  if (status >= 200 && status < 300) return false;
  if (status === 401) return true;
  const keywords = (keywordsCsv ?? '')
    .split(',')
    .map((keyword) => keyword.trim().toLowerCase())
    .filter((keyword) => keyword !== '');
  if (keywords.length === 0) return false;
  const haystack = body.toLowerCase();
  return keywords.some((keyword) => haystack.includes(keyword));
}
