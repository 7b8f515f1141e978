import * as oauth from 'oauth4webapi';
import { ToolwireError } from '../../core/errors.js';
import type { Provider } from '../../core/model.js';
import { createRedactor, type Redactor } from '../../core/redact.js';
import type { OAuthTokens } from '../../core/user-credentials.js';
import { refreshMarginMs } from '../dynamic-auth/lifetime.js';
import { oauthEndpoints } from './endpoints.js';
import { exchangeFailure } from './failures.js';
import { tokensFrom } from './tokens.js';

/**
 * The caller has no usable grant for an authorization-code provider: none yet, or one the authorization
 * server will no longer renew. The call answers with credentialRequiredResult (connect again).
 */
export class GrantNeededError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'GrantNeededError';
  }
}

/** The access token a call sends, and a redactor for the grant's tokens (made once per token set). */
export interface GrantLease {
  accessToken: string;
  redact: Redactor;
}

export interface GrantManagerOptions {
  timeoutMs: number;
  fetch: typeof fetch;
  now?: () => number;
  /** Keeps renewed tokens (catalog.credentials.storeRefreshed: sealed, no registry version bump). */
  save(clientName: string, providerId: number, tokens: OAuthTokens): void;
  /** Where a failed save is told (the call goes on with the tokens in memory). */
  warn(message: string): void;
}

export interface GrantManager {
  /**
   * The caller's access token, renewed first when it is about to run out. `stored` is the grant the
   * per-user index holds (read once per registry version); the manager's own copy wins when it is later.
   */
  lease(provider: Provider, clientName: string, stored: OAuthTokens | undefined): Promise<GrantLease>;
  /** The API refused `stale` (a 401): renews once, unless another call already did. */
  renew(provider: Provider, clientName: string, stale: string): Promise<GrantLease>;
}

interface Slot {
  tokens: OAuthTokens;
  /** The index's copy this slot last saw: a new one (the person connected again) is taken when later. */
  source: OAuthTokens;
  inflight: Promise<OAuthTokens> | null;
  /** Set when the server refused to renew: no further attempt until the person connects again. */
  dead: string | null;
}

/**
 * Each client's OAuth 2 grant (authorization code) as calls use it: in memory per (provider, client),
 * renewed before expiry and once after a 401, one renewal at a time per grant (single-flight, like the
 * dynamic-auth tokens), the renewed tokens kept through `save` without bumping the registry version.
 */
export function createGrantManager(options: GrantManagerOptions): GrantManager {
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  const redactors = new WeakMap<OAuthTokens, Redactor>();

  function leaseOf(tokens: OAuthTokens): GrantLease {
    let redact = redactors.get(tokens);
    if (!redact) redactors.set(tokens, (redact = createRedactor([tokens.accessToken, ...(tokens.refreshToken ? [tokens.refreshToken] : [])])));
    return { accessToken: tokens.accessToken, redact };
  }

  function slotFor(provider: Provider, clientName: string, stored: OAuthTokens | undefined): Slot {
    const key = `${provider.id}\u0000${clientName}`;
    if (!stored) {
      slots.delete(key);
      throw new GrantNeededError('it has not connected its account yet');
    }
    let slot = slots.get(key);
    if (!slot || (stored !== slot.source && stored.obtainedAt > slot.tokens.obtainedAt)) {
      slot = { tokens: stored, source: stored, inflight: null, dead: null };
      slots.set(key, slot);
    } else slot.source = stored;
    if (slot.dead) throw new GrantNeededError(slot.dead);
    return slot;
  }

  async function refresh(provider: Provider, clientName: string, slot: Slot): Promise<OAuthTokens> {
    const settings = provider.oauth;
    const refreshToken = slot.tokens.refreshToken;
    if (!settings || !refreshToken) {
      slot.dead = 'its access token ran out and the authorization server gave no refresh token to renew it';
      throw new GrantNeededError(slot.dead);
    }
    const { as, client, auth, options: requestOptions } = oauthEndpoints(settings, options);
    const obtainedAt = now();
    let tokens: OAuthTokens;
    try {
      const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, requestOptions());
      tokens = tokensFrom(await oauth.processRefreshTokenResponse(as, client, response), obtainedAt, refreshToken);
    } catch (err) {
      const failure = exchangeFailure(err, options.timeoutMs);
      if (failure.refused) {
        slot.dead = `the authorization server refused to renew its grant (${failure.cause})`;
        throw new GrantNeededError(slot.dead);
      }
      throw new ToolwireError(
        'AUTH_FETCH',
        `Could not renew the OAuth 2 access token of client "${clientName}" for provider "${provider.code}": ${failure.cause}. Check oauth.tokenUrl and that the token endpoint is reachable; the next call tries again.`,
        { cause: err },
      );
    }
    slot.tokens = tokens;
    try {
      options.save(clientName, provider.id, tokens);
    } catch (err) {
      options.warn(`Could not store the renewed OAuth 2 tokens of client "${clientName}" for provider "${provider.code}": ${(err as Error).message}`);
    }
    return tokens;
  }

  function renewOnce(provider: Provider, clientName: string, slot: Slot): Promise<OAuthTokens> {
    if (!slot.inflight) {
      const pending = refresh(provider, clientName, slot).finally(() => {
        slot.inflight = null;
      });
      pending.catch(() => {});
      slot.inflight = pending;
    }
    return slot.inflight;
  }

  /** Renewed this long before it runs out (at most 30 s, 10% of a short life), so no call leaves with a dying token. */
  const dueSoon = (tokens: OAuthTokens) => tokens.expiresAt !== null && now() >= tokens.expiresAt - refreshMarginMs(tokens.expiresAt - tokens.obtainedAt);

  return {
    async lease(provider, clientName, stored) {
      const slot = slotFor(provider, clientName, stored);
      if (slot.inflight) return leaseOf(await slot.inflight);
      if (dueSoon(slot.tokens)) return leaseOf(await renewOnce(provider, clientName, slot));
      return leaseOf(slot.tokens);
    },
    async renew(provider, clientName, stale) {
      const slot = slots.get(`${provider.id}\u0000${clientName}`);
      if (!slot) throw new GrantNeededError('it has not connected its account yet');
      if (slot.dead) throw new GrantNeededError(slot.dead);
      if (slot.inflight) return leaseOf(await slot.inflight);
      if (slot.tokens.accessToken !== stale) return leaseOf(slot.tokens);
      return leaseOf(await renewOnce(provider, clientName, slot));
    },
  };
}
