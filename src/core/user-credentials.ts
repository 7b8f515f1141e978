/**
 * A client's own credential for one provider (SPEC §11): the provider's secret fields, as that client's
 * values. Shared by the store (sealed at rest), the catalog (checked on write) and the call path.
 */
export interface UserSecrets {
  apiKeyValue?: string;
  /** Only headers that are not configuration (those stay the provider's). */
  customHeaders?: Record<string, string>;
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
  return [...names, ...Object.keys(secrets.customHeaders ?? {}).map((name) => `customHeaders.${name}`)];
}
