import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { SharedToken, SharedTokenStore } from '../../store/shared-tokens.js';
import { ToolwireError } from '../../core/errors.js';
import { providerTarget, type Provider } from '../../core/model.js';
import { fetchProviderToken } from './provider-token.js';
import { refreshAheadMs, refreshMarginMs } from './lifetime.js';
import { TokenFetchError } from './token-error.js';

/**
 * Dynamic-auth tokens, and the tokens of OAuth 2 client-credentials providers (SPEC §11), cached in memory
 * per provider id. Many tool calls may need a token at the same
 * moment: they share one request (single-flight). A token's successor is fetched in the background
 * before it runs out, so calls do not wait for the token endpoint at every expiry. Two kinds of
 * trouble are met with a backoff per provider, so neither hammers (or locks) an account at the token
 * endpoint: failed fetches in a row, and an API that refuses the tokens just fetched for it (a wrong
 * scope, a revoked client). Either way the first time costs nothing — the next call tries again at
 * once, since one failure is often a glitch — and from the second time in a row the wait starts at
 * 1 s and doubles (up to 30 s for failures, 60 s for refusals); a success ends it.
 */

export interface TokenManagerOptions {
  timeoutMs: number;
  defaultTtlMs: number;
  /** The wait after the second failed fetch in a row (none after the first), doubling per further failure. */
  failureBackoffMs?: number;
  maxFailureBackoffMs?: number;
  /** The wait after the API refuses a second freshly fetched token in a row (none after the first), doubling per further refusal. */
  refusalBackoffMs?: number;
  maxRefusalBackoffMs?: number;
  now?: () => number;
  /** The guarded dispatcher when TOOLWIRE_BLOCK_PRIVATE is on (SPEC §15); absent = fetch's default. */
  dispatcher?: (() => Dispatcher) | undefined;
  /** Told of every token fetch and whether it worked (SPEC §12 metrics); absent: nobody. */
  onFetch?: ((providerCode: string, ok: boolean) => void) | undefined;
  /**
   * Tokens shared by every instance on the database (SPEC §13): behind the memory and the in-process single
   * flight, so N instances with a cold cache cause one fetch, and the call path reads nothing from the
   * database while the token is in memory. Absent: each process fetches its own.
   */
  shared?: SharedTokenStore | undefined;
  /** Told when the shared store failed and this instance fetched on its own (the database is away). */
  warn?: ((message: string) => void) | undefined;
}

/** What a call may do after the API refused its token (a 401, or an invalidation keyword). */
export interface TokenRefusal {
  /** Whether to get a token again (a fresh one, or a newer one already there) and try once more. */
  readonly retry: boolean;
  /** When `retry` is false: why, for the call's message. */
  readonly reason: string | null;
  /**
   * The outcome of that one more try. A refused fresh token starts or lengthens the provider's
   * refusal backoff and returns why, for the call's message; an accepted one ends the backoff.
   */
  settle(token: string, accepted: boolean): string | null;
}

export interface TokenManager {
  /**
   * The provider's token; with `client`, that client's own (SPEC §11: fetched with its own payload, which
   * `provider` then carries), cached apart from the shared one and every other client's.
   */
  getToken(provider: Provider, client?: string): Promise<string>;
  /**
   * The API refused `staleToken`. Drops it only if it is still the cached one, so N concurrent 401s
   * cause one refresh; while the provider is backing off after refused fresh tokens, keeps it and
   * answers that no new token is to be fetched yet.
   */
  invalidate(providerId: number, staleToken: string, client?: string): TokenRefusal;
  /** Forgets everything about a provider (updated or removed), every client's tokens included; a fetch in flight will not be cached. */
  drop(providerId: number): void;
  /** Forgets each client's token whose credential is gone (`keep` says false): a removed client or payload never lends its token again. */
  retainClients(keep: (providerId: number, client: string) => boolean): void;
  clear(): void;
}

/**
 * One provider's state. A slot belongs to one auth configuration: when the provider's dynamic-auth
 * fields change, a new slot replaces it (a fixed configuration is tried at once, whatever the backoff),
 * and a fetch finishing for a replaced slot stores nothing.
 */
interface Slot {
  providerId: number;
  /** The client whose own token this is; null: the provider's shared token. */
  client: string | null;
  fingerprint: string;
  code: string;
  /** Which fields a refusal message points at: the OAuth client's, or the dynamic-auth request's. */
  oauth: boolean;
  /** `refreshAt`: its successor is fetched in the background from then; `expiresAt`: no call uses it from then. */
  cached: { token: string; refreshAt: number; expiresAt: number } | null;
  inflight: Promise<string> | null;
  /** The shared store's slot name: provider id, a hash of its auth configuration, and the client (store/shared-tokens.ts). */
  sharedSlot: string;
  /** Failed fetches in a row; no fetch before `until`. */
  failure: { error: ToolwireError; count: number; until: number } | null;
  /** Fresh tokens the API refused in a row, the last being `token`; no new token for a refusal before `until`. */
  refusal: { token: string; count: number; until: number } | null;
}

/** Provider objects are immutable snapshots (one per registry build): their fingerprint is computed once, not per call. */
const fingerprints = new WeakMap<Provider, string>();

/** What a cached token is bound to: how it was obtained, and where it is sent (a moved API gets a new token, never the old one). */
function fingerprintOf(p: Provider): string {
  let known = fingerprints.get(p);
  if (known === undefined) {
    known = computeFingerprint(p);
    fingerprints.set(p, known);
  }
  return known;
}

function computeFingerprint(p: Provider): string {
  return JSON.stringify([
    p.dynamicAuthUrl,
    p.dynamicAuthMethod,
    p.dynamicAuthPayload,
    p.dynamicAuthPayloadType,
    p.dynamicAuthPayloadLocation,
    p.dynamicAuthTokenExtractionPath,
    p.oauth,
    providerTarget(p),
  ]);
}

function asAuthFetch(err: unknown, provider: Provider): ToolwireError {
  if (err instanceof ToolwireError && err.code === 'AUTH_FETCH') return err;
  const kind = err instanceof Error ? err.name : typeof err;
  return new ToolwireError('AUTH_FETCH', `Could not obtain a token for provider "${provider.code}": unexpected error (${kind}).`, { cause: err });
}

/**
 * The slot name in the shared store: a token is shared only between instances that would fetch it the same
 * way (same auth configuration, same client), and never survives a change of that configuration. The hash
 * keeps credentials out of the key.
 */
function sharedSlotOf(providerId: number, fingerprint: string, client: string | undefined): string {
  const hash = createHash('sha256').update(fingerprint).digest('base64url').slice(0, 22);
  return client === undefined ? `provider:${providerId}:${hash}` : `provider:${providerId}:${hash}:client:${client}`;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** A refusal with nothing to remember: no slot (never fetched, or dropped since). */
const FREE_RETRY: TokenRefusal = { retry: true, reason: null, settle: () => null };

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const {
    timeoutMs,
    defaultTtlMs,
    now = Date.now,
    dispatcher,
    failureBackoffMs = 1000,
    maxFailureBackoffMs = 30_000,
    refusalBackoffMs = 1000,
    maxRefusalBackoffMs = 60_000,
  } = options;
  // One slot per provider (its shared token) and per (provider, client) with a payload of its own.
  const slots = new Map<string, Slot>();
  /** Deletions in the shared store under way, by slot name: the next fetch for that slot waits for its own. */
  const forgetting = new Map<string, Promise<unknown>>();
  function forget(name: string, deletion: Promise<unknown>): void {
    const done: Promise<unknown> = deletion
      .catch(() => false) // the database is away: the row ages out (expiresAt), or the next 401 tries again
      .finally(() => {
        if (forgetting.get(name) === done) forgetting.delete(name);
      });
    forgetting.set(name, done);
  }
  /** A slot dropped for good (provider changed or removed, a client's credential removed): its shared row too. */
  function discard(key: string, slot: Slot): void {
    slots.delete(key);
    if (options.shared) forget(slot.sharedSlot, options.shared.remove(slot.sharedSlot));
  }
  const keyOf = (providerId: number, client: string | undefined) => (client === undefined ? `${providerId}` : `${providerId}\u0000${client}`);

  function slotFor(provider: Provider, client: string | undefined): Slot {
    const fingerprint = fingerprintOf(provider);
    const key = keyOf(provider.id, client);
    const existing = slots.get(key);
    if (existing && existing.fingerprint === fingerprint) return existing;
    const fresh: Slot = {
      providerId: provider.id,
      client: client ?? null,
      fingerprint,
      code: provider.code,
      oauth: provider.oauth !== null,
      cached: null,
      inflight: null,
      sharedSlot: sharedSlotOf(provider.id, fingerprint, client),
      failure: null,
      refusal: null,
    };
    slots.set(key, fresh);
    return fresh;
  }

  /** One fetch from the token endpoint, as the slot keeps it. */
  async function fetchOwn(provider: Provider): Promise<SharedToken> {
    try {
      const fetched = await fetchProviderToken(provider, { timeoutMs, defaultTtlMs, now, dispatcher });
      options.onFetch?.(provider.code, true);
      const { fetchedAt, lifetimeMs } = fetched;
      return {
        token: fetched.token,
        fetchedAt,
        refreshAt: fetchedAt + refreshAheadMs(lifetimeMs),
        expiresAt: fetchedAt + lifetimeMs - refreshMarginMs(lifetimeMs),
      };
    } catch (err) {
      options.onFetch?.(provider.code, false);
      throw err;
    }
  }

  /**
   * The token through the shared store: another instance's when it is fresh there, else one fetch for all
   * (fetchOnce). When the database fails (not the token endpoint), this instance fetches on its own: calls
   * keep working while the database is away, at the cost of one fetch per instance.
   */
  async function viaShared(shared: SharedTokenStore, provider: Provider, slot: Slot): Promise<SharedToken> {
    let own: SharedToken | null = null;
    let endpointFailed = false;
    const fetchForAll = async () => {
      try {
        own = await fetchOwn(provider);
        return own;
      } catch (err) {
        endpointFailed = true;
        throw err;
      }
    };
    try {
      await forgetting.get(slot.sharedSlot);
      const found = await shared.get(slot.sharedSlot);
      if (found && now() < found.refreshAt) return found;
      return await shared.fetchOnce(slot.sharedSlot, fetchForAll);
    } catch (err) {
      if (endpointFailed) throw err;
      if (own) return own; // fetched, but the database could not keep it: this instance uses it anyway
      if (err instanceof ToolwireError && err.code === 'AUTH_FETCH') throw err; // another instance's fetch is stuck
      options.warn?.(
        `The shared token store failed for provider "${provider.code}" (${(err as Error).message}); this instance fetches its own token until the database answers again.`,
      );
      return fetchOwn(provider);
    }
  }

  async function refresh(provider: Provider, slot: Slot): Promise<string> {
    try {
      const { shared } = options;
      const got = shared ? await viaShared(shared, provider, slot) : await fetchOwn(provider);
      slot.cached = { token: got.token, refreshAt: got.refreshAt, expiresAt: got.expiresAt };
      slot.failure = null;
      return got.token;
    } catch (err) {
      const error = asAuthFetch(err, provider);
      const count = (slot.failure?.count ?? 0) + 1;
      const wait = count === 1 ? 0 : Math.min(maxFailureBackoffMs, failureBackoffMs * 2 ** (count - 2));
      slot.failure = { error, count, until: now() + wait };
      throw error;
    }
  }

  /** Starts the slot's one fetch. A background refresh has no caller to take its failure: it is remembered in `slot.failure`. */
  function start(provider: Provider, slot: Slot): Promise<string> {
    // `.finally` runs after this assignment, even if the fetch fails at once.
    const pending = refresh(provider, slot).finally(() => {
      slot.inflight = null;
    });
    pending.catch(() => {});
    slot.inflight = pending;
    return pending;
  }

  /** The last failure, saying when the token endpoint is tried again. */
  function stillFailing(failure: NonNullable<Slot['failure']>, time: number): ToolwireError {
    const note = ` The token endpoint failed ${failure.count} times in a row; toolwire tries it again in ${seconds(failure.until - time)} s.`;
    const { error } = failure;
    return error instanceof TokenFetchError
      ? new TokenFetchError(error.step, error.message + note, error)
      : new ToolwireError('AUTH_FETCH', error.message + note, { cause: error });
  }

  function refusedReason(slot: Slot, time: number): string {
    const refusal = slot.refusal;
    if (!refusal) return '';
    const check = slot.oauth
      ? `Check the provider's OAuth client and the scopes it asks for (oauth.clientId, oauth.clientSecret, oauth.scopes).`
      : `Check the provider's credentials and their scope (dynamicAuthPayload, dynamicAuthUrl), and where the token goes (authenticationType, apiKeyName).`;
    if (time >= refusal.until) {
      return `The API refused a freshly fetched token of provider "${slot.code}" too. If it refuses the next one as well, toolwire waits before fetching more (${seconds(refusalBackoffMs)} s, doubling up to ${seconds(maxRefusalBackoffMs)} s). ${check}`;
    }
    return `The API refused a freshly fetched token of provider "${slot.code}" (${refusal.count} in a row), so toolwire does not fetch another one at once: next attempt in ${seconds(refusal.until - time)} s. ${check}`;
  }

  async function getToken(provider: Provider, client?: string): Promise<string> {
    const slot = slotFor(provider, client);
    const time = now();
    const cached = slot.cached;
    const failing = slot.failure !== null && time < slot.failure.until;
    if (cached && time < cached.expiresAt) {
      if (time >= cached.refreshAt && !slot.inflight && !failing) void start(provider, slot);
      return cached.token;
    }
    if (slot.inflight) return slot.inflight;
    if (failing && slot.failure) throw stillFailing(slot.failure, time);
    return start(provider, slot);
  }

  function invalidate(providerId: number, staleToken: string, client?: string): TokenRefusal {
    const key = keyOf(providerId, client);
    const slot = slots.get(key);
    if (!slot) return FREE_RETRY;
    const time = now();
    const cached = slot.cached;
    // A newer valid token, or a fetch already under way, costs the token endpoint nothing more.
    const free = (cached !== null && cached.token !== staleToken && time < cached.expiresAt) || slot.inflight !== null;
    if (slot.refusal && time < slot.refusal.until && !free) {
      return { retry: false, reason: refusedReason(slot, time), settle: () => null };
    }
    if (cached?.token === staleToken) {
      slot.cached = null;
      // Compare-and-delete: the shared row goes only if it still holds this token, never another instance's newer one.
      if (options.shared) forget(slot.sharedSlot, options.shared.invalidate(slot.sharedSlot, staleToken));
    }
    return {
      retry: true,
      reason: null,
      settle(token, accepted) {
        if (slots.get(key) !== slot) return null;
        const at = now();
        if (accepted) {
          slot.refusal = null;
          return null;
        }
        const previous = slot.refusal;
        // Concurrent calls refused with the same token count once.
        if (previous?.token !== token) {
          // A refusal long after the last backoff ended starts the count again.
          const count = previous && at - previous.until < maxRefusalBackoffMs ? previous.count + 1 : 1;
          const wait = count === 1 ? 0 : Math.min(maxRefusalBackoffMs, refusalBackoffMs * 2 ** (count - 2));
          slot.refusal = { token, count, until: at + wait };
        }
        return refusedReason(slot, at);
      },
    };
  }

  return {
    getToken,
    invalidate,
    drop(providerId) {
      for (const [key, slot] of slots) if (slot.providerId === providerId) discard(key, slot);
    },
    retainClients(keep) {
      for (const [key, slot] of slots) if (slot.client !== null && !keep(slot.providerId, slot.client)) discard(key, slot);
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
