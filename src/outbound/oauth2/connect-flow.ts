import * as oauth from 'oauth4webapi';
import { ToolwireError } from '../../core/errors.js';
import type { Provider } from '../../core/model.js';
import type { OAuthTokens } from '../../core/user-credentials.js';
import type { PendingSignIn, PendingSignIns } from '../../core/shared-state.js';
import { oauthEndpoints } from './endpoints.js';
import { exchangeFailure } from './failures.js';
import { tokensFrom } from './tokens.js';

/** A sign-in started and not yet finished: what the callback needs to check and finish it. */
type PendingGrant = PendingSignIn;

/** What a finished sign-in stored. */
export interface ConnectedGrant {
  clientName: string;
  providerCode: string;
}

export interface ConnectFlowOptions {
  /** The provider by code or id (a catalog read: the connect flow is not the call path). */
  findProvider(ref: string | number): Promise<Provider | undefined>;
  /** Stores the grant as the client's own credential (catalog.credentials.storeGrant). */
  storeGrant(clientName: string, providerId: number, tokens: OAuthTokens): Promise<void>;
  fetch: typeof fetch;
  timeoutMs: number;
  now?: () => number;
  /** How long a started sign-in may take (10 minutes). */
  ttlMs?: number;
  /** Sign-ins pending at once; the oldest are forgotten beyond it, so no one can fill the memory. */
  maxPending?: number;
  /**
   * Where started sign-ins wait for their callback (the catalog's shared state: the callback may reach
   * another instance); absent: this process's memory.
   */
  pending?: PendingSignIns;
}

export interface ConnectFlow {
  /**
   * Where to send a person who proved they are `clientName` to sign in to the provider's authorization
   * server: the authorization URL with a PKCE challenge (S256), a fresh `state` and the callback as
   * redirect_uri. Remembers the pending grant (in the database, the verifier sealed; single-use, 10 minutes).
   */
  authorizationUrl(provider: string | number, clientName: string, redirectUri: string): Promise<string>;
  /** The callback's query: checks `state`, exchanges the code with the verifier, stores the grant. */
  complete(query: URLSearchParams): Promise<ConnectedGrant>;
}

/**
 * A failure of the callback the person can read: INVALID_INPUT for what the browser brought (an unknown or
 * expired state, a denied sign-in), AUTH_FETCH when the token endpoint would not exchange the code.
 */
function failed(message: string, code: 'INVALID_INPUT' | 'AUTH_FETCH' = 'INVALID_INPUT', cause?: unknown): ToolwireError {
  return new ToolwireError(code, message, cause === undefined ? {} : { cause });
}

export function createConnectFlow(options: ConnectFlowOptions): ConnectFlow {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 600_000;
  const maxPending = options.maxPending ?? 10_000;
  const pending = options.pending ?? memorySignIns();

  async function oauthProvider(ref: string | number): Promise<Provider & { oauth: NonNullable<Provider['oauth']> }> {
    const provider = await options.findProvider(ref);
    if (!provider) throw new ToolwireError('NOT_FOUND', `No provider ${JSON.stringify(String(ref).slice(0, 64))}.`);
    if (provider.oauth?.grant !== 'authorization_code' || !provider.oauth.authorizationUrl) {
      throw failed(`Provider "${provider.code}" does not sign people in with OAuth 2 (authenticationType OAUTH2, oauth.grant "authorization_code").`);
    }
    return provider as Provider & { oauth: NonNullable<Provider['oauth']> };
  }

  return {
    async authorizationUrl(ref, clientName, redirectUri) {
      const provider = await oauthProvider(ref);
      const settings = provider.oauth;
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(settings.authorizationUrl as string);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', settings.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      if (settings.scopes.length > 0) url.searchParams.set('scope', settings.scopes.join(' '));
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      await pending.put(state, { codeVerifier, clientName, providerId: provider.id, redirectUri, expiresAt: now() + ttlMs }, maxPending, now());
      return url.href;
    },

    async complete(query) {
      const state = query.get('state') ?? '';
      // Single use (on every instance): whatever happens next, this state is spent.
      const grant = state === '' ? undefined : await pending.take(state);
      const again = 'Start again from the tool call (it answers with a new link).';
      if (!grant) throw failed(`This sign-in is unknown or was already finished (its state does not match one toolwire started). Nothing was stored. ${again}`);
      if (now() >= grant.expiresAt)
        throw failed(`This sign-in took longer than ${Math.round(ttlMs / 60_000)} minutes and expired. Nothing was stored. ${again}`);
      const provider = await oauthProvider(grant.providerId);
      const { as, client, auth, options: requestOptions } = oauthEndpoints(provider.oauth, options);
      // No discovery, so no issuer to hold `iss` to: the single-use state binds the answer to this sign-in.
      const params = new URLSearchParams(query);
      params.delete('iss');
      let callback: URLSearchParams;
      try {
        callback = oauth.validateAuthResponse(as, client, params, state);
      } catch (err) {
        const code = err instanceof oauth.AuthorizationResponseError && /^[\w.-]{1,64}$/.test(err.error) ? ` with error "${err.error}"` : '';
        throw failed(`The authorization server of provider "${provider.code}" did not grant access${code}. Nothing was stored. ${again}`, 'INVALID_INPUT', err);
      }
      const obtainedAt = now();
      let tokens: OAuthTokens;
      try {
        const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, grant.redirectUri, grant.codeVerifier, requestOptions());
        tokens = tokensFrom(await oauth.processAuthorizationCodeResponse(as, client, response), obtainedAt);
      } catch (err) {
        const failure = exchangeFailure(err, options.timeoutMs);
        const fix = failure.refused
          ? "Check the provider's oauth.clientId, oauth.clientSecret and oauth.tokenUrl."
          : 'Check oauth.tokenUrl and that the token endpoint is reachable from toolwire.';
        throw failed(
          `Could not exchange the sign-in of provider "${provider.code}" for a token: ${failure.cause}. Nothing was stored. ${fix} ${again}`,
          'AUTH_FETCH',
          err,
        );
      }
      await options.storeGrant(grant.clientName, provider.id, tokens);
      return { clientName: grant.clientName, providerCode: provider.code };
    },
  };
}

/** Sign-ins in this process's memory, for a flow without a database: insertion order is age order. */
function memorySignIns(): PendingSignIns {
  const pending = new Map<string, PendingGrant>();
  return {
    async put(state, grant, max, at) {
      for (const [key, old] of pending) {
        if (old.expiresAt > at && pending.size < max) break;
        pending.delete(key);
      }
      pending.set(state, grant);
    },
    async take(state) {
      const grant = pending.get(state);
      pending.delete(state);
      return grant;
    },
  };
}
