import * as oauth from 'oauth4webapi';
import type { OAuthSettings } from '../../core/model.js';

/**
 * An OAUTH2 provider's settings as oauth4webapi wants them: the authorization server (its two endpoints),
 * the client, how the client proves itself (its secret in the body, `client_secret_post`, which the big
 * providers all accept; none for a public client), and the options every request takes (the fetch that
 * applies TOOLWIRE_BLOCK_PRIVATE, a deadline, plain http allowed when the provider says http).
 */
export interface OAuthEndpoints {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  options(): oauth.TokenEndpointRequestOptions;
}

export interface OAuthTransport {
  /** Global fetch, or the outbound guard's (address policy). */
  fetch: typeof fetch;
  timeoutMs: number;
}

export function oauthEndpoints(settings: OAuthSettings, transport: OAuthTransport): OAuthEndpoints {
  const tokenUrl = new URL(settings.tokenUrl);
  const as: oauth.AuthorizationServer = {
    // No discovery: the provider names its endpoints. The issuer is only an identifier here.
    issuer: tokenUrl.origin,
    token_endpoint: tokenUrl.href,
    ...(settings.authorizationUrl ? { authorization_endpoint: settings.authorizationUrl } : {}),
  };
  const insecure = tokenUrl.protocol === 'http:';
  return {
    as,
    client: { client_id: settings.clientId },
    auth: settings.clientSecret ? oauth.ClientSecretPost(settings.clientSecret) : oauth.None(),
    options: () => ({
      [oauth.customFetch]: transport.fetch as never,
      ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
      signal: AbortSignal.timeout(transport.timeoutMs),
    }),
  };
}
