import * as oauth from 'oauth4webapi';
import type { Provider } from '../../core/model.js';
import type { FetchedToken } from '../dynamic-auth/fetch-token.js';
import { tokenLifetime } from '../dynamic-auth/lifetime.js';
import { tokenError } from '../dynamic-auth/token-error.js';
import { oauthEndpoints } from './endpoints.js';
import { exchangeFailure } from './failures.js';

export interface ClientCredentialsOptions {
  timeoutMs: number;
  defaultTtlMs: number;
  now: () => number;
  fetch: typeof fetch;
}

/**
 * One client-credentials grant (RFC 6749 §4.4) for a shared OAUTH2 provider: the dynamic-auth token
 * manager caches, shares and renews what this returns exactly as it does a dynamic-auth token.
 */
export async function fetchClientCredentialsToken(provider: Provider, options: ClientCredentialsOptions): Promise<FetchedToken> {
  const settings = provider.oauth;
  if (settings?.grant !== 'client_credentials') {
    throw tokenError('request', provider.code, 'it is not an OAuth 2 client-credentials provider', 'Check authenticationType and oauth.grant.');
  }
  if (!settings.clientSecret) {
    // Allowed at write time (an imported export carries a placeholder), needed now.
    throw tokenError(
      'request',
      provider.code,
      'oauth.clientSecret is not set',
      `Set it: echo '{"oauth": {"clientSecret": "…"}}' | toolwire provider update ${provider.code} -`,
    );
  }
  const { as, client, auth, options: requestOptions } = oauthEndpoints(settings, { fetch: options.fetch, timeoutMs: options.timeoutMs });
  const parameters: Record<string, string> = settings.scopes.length > 0 ? { scope: settings.scopes.join(' ') } : {};
  const fetchedAt = options.now();
  try {
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, requestOptions());
    const answer = await oauth.processClientCredentialsResponse(as, client, response);
    const lifetime = tokenLifetime(answer, answer.access_token, options.defaultTtlMs, fetchedAt);
    return { token: answer.access_token, lifetimeMs: lifetime.ms, lifetimeSource: lifetime.source, fetchedAt };
  } catch (err) {
    const failure = exchangeFailure(err, options.timeoutMs);
    const fix = failure.refused
      ? 'Check oauth.clientId, oauth.clientSecret and oauth.scopes.'
      : 'Check oauth.tokenUrl and that the token endpoint is reachable from this machine.';
    throw tokenError(failure.refused ? 'status' : 'request', provider.code, failure.cause, fix, err);
  }
}
