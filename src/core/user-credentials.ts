/**
 * A client's own credential for one provider (SPEC §11): the provider's secret fields, as that client's
 * values. Shared by the store (sealed at rest), the catalog (checked on write) and the call path.
 */
export interface UserSecrets {
  apiKeyValue?: string;
  /** An OAUTH2 provider's grant: written by the connect callback and by refreshes only, never through an API. */
  oauth?: OAuthTokens;
  /** Only headers that are not configuration (those stay the provider's). */
  customHeaders?: Record<string, string>;
}

/** What an authorization-code grant left a client with; times are epoch milliseconds. */
export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  /** When the access token runs out; null when the server did not say (used until a 401). */
  expiresAt: number | null;
  /** When these tokens were obtained: of two copies (memory, database) the later one wins. */
  obtainedAt: number;
}

/** The secret fields a per-user credential may carry in this increment. */
export const USER_SECRET_FIELDS = ['apiKeyValue', 'customHeaders'] as const;

/** One stored per-user credential, secrets opened. */
export interface UserCredential {
  clientName: string;
  providerId: number;
  providerCode: string;
  secrets: UserSecrets;
  updatedAt: string;
}

/** The field names a credential sets, for lists that must never show a value: `apiKeyValue`, `customHeaders.X-Token`. */
export function secretFieldNames(secrets: UserSecrets): string[] {
  const names = secrets.apiKeyValue !== undefined ? ['apiKeyValue'] : [];
  if (secrets.oauth) names.push('oauth.accessToken', ...(secrets.oauth.refreshToken ? ['oauth.refreshToken'] : []));
  return [...names, ...Object.keys(secrets.customHeaders ?? {}).map((name) => `customHeaders.${name}`)];
}
