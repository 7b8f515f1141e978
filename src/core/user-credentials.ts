import { readPayload } from './payload.js';

/**
 * A client's own credential for one provider (SPEC §11): the provider's secret fields, as that client's
 * values. Shared by the store (sealed at rest), the catalog (checked on write) and the call path.
 */
export interface UserSecrets {
  /** An HTTP provider's key, or an upstream MCP server's `api_key` (sent as its bearer token). */
  apiKeyValue?: string;
  /** An OAUTH2 provider's grant: written by the connect callback and by refreshes only, never through an API. */
  oauth?: OAuthTokens;
  /** Only headers that are not configuration (those stay the provider's). */
  customHeaders?: Record<string, string>;
  /**
   * A dynamic-auth provider's payload as this client's login: a JSON object (as a string, as the
   * provider keeps its own), laid over the provider's shared payload key by key when a token is fetched.
   */
  dynamicAuthPayload?: string;
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

/** The secret fields a per-user credential may carry (`api_key` is accepted as an MCP server's name for apiKeyValue). */
export const USER_SECRET_FIELDS = ['apiKeyValue', 'customHeaders', 'dynamicAuthPayload'] as const;

/** One stored per-user credential, secrets opened. */
export interface UserCredential {
  clientName: string;
  providerId: number;
  providerCode: string;
  secrets: UserSecrets;
  updatedAt: string;
}

/** The client's payload as an object (it was checked on write; an unreadable one counts as empty). */
export function userPayloadObject(secrets: UserSecrets): Record<string, unknown> {
  const read = readPayload(secrets.dynamicAuthPayload ?? null);
  return read.ok ? read.value : {};
}

/**
 * Every value a credential holds, for its redactor: the key, the header values, and each payload value
 * (strings as written, anything else as the token request would send it).
 */
export function userSecretValues(secrets: UserSecrets): string[] {
  const payload = Object.values(userPayloadObject(secrets)).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const oauth = secrets.oauth ? [secrets.oauth.accessToken, secrets.oauth.refreshToken] : [];
  return [secrets.apiKeyValue, ...Object.values(secrets.customHeaders ?? {}), ...payload, ...oauth].filter((v): v is string => typeof v === 'string');
}

/** The field names a credential sets, for lists that must never show a value: `apiKeyValue`, `customHeaders.X-Token`, `dynamicAuthPayload.password`. */
export function secretFieldNames(secrets: UserSecrets): string[] {
  const names = secrets.apiKeyValue !== undefined ? ['apiKeyValue'] : [];
  if (secrets.oauth) names.push('oauth.accessToken', ...(secrets.oauth.refreshToken ? ['oauth.refreshToken'] : []));
  return [
    ...names,
    ...Object.keys(secrets.customHeaders ?? {}).map((name) => `customHeaders.${name}`),
    ...Object.keys(secrets.dynamicAuthPayload !== undefined ? userPayloadObject(secrets) : {}).map((key) => `dynamicAuthPayload.${key}`),
  ];
}
