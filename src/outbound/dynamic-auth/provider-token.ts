import { fetchThrough } from '../address-policy.js';
import type { Provider } from '../../core/model.js';
import { fetchClientCredentialsToken } from '../oauth2/client-credentials.js';
import { fetchToken, type FetchedToken, type FetchTokenOptions } from './fetch-token.js';

/**
 * A provider's own token, however it gets one: its OAuth 2 client-credentials grant, or its dynamic-auth
 * request. One choice for the token manager (calls) and the probe (`toolwire provider test`).
 */
export function fetchProviderToken(provider: Provider, options: FetchTokenOptions): Promise<FetchedToken> {
  if (provider.oauth?.grant !== 'client_credentials') return fetchToken(provider, options);
  const { timeoutMs, defaultTtlMs, now, dispatcher } = options;
  return fetchClientCredentialsToken(provider, { timeoutMs, defaultTtlMs, now, fetch: dispatcher ? fetchThrough(dispatcher()) : fetch });
}

/** Whether a provider's calls send a token the token manager keeps (dynamic auth, or an OAuth 2 client-credentials grant). */
export function usesProviderToken(provider: Provider): boolean {
  return provider.isDynamicAuth || provider.oauth?.grant === 'client_credentials';
}
