import type * as oauth from 'oauth4webapi';
import type { OAuthTokens } from '../../core/user-credentials.js';

/**
 * A token response as what toolwire keeps. A server that sends no new refresh token on a refresh means
 * the old one stays valid (RFC 6749 §6), so it is kept.
 */
export function tokensFrom(response: oauth.TokenEndpointResponse, obtainedAt: number, previousRefresh: string | null = null): OAuthTokens {
  const lifetime = typeof response.expires_in === 'number' && response.expires_in > 0 ? response.expires_in * 1000 : null;
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? previousRefresh,
    expiresAt: lifetime === null ? null : obtainedAt + lifetime,
    obtainedAt,
  };
}
