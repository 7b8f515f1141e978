import { byVersion } from '../../core/by-version.js';
import { createRedactor, type Redactor } from '../../core/redact.js';
import { OWNER_NAME } from '../../core/identity.js';
import type { Provider } from '../../core/model.js';
import { type UserCredential, type UserSecrets, userSecretValues } from '../../core/user-credentials.js';

/** One client's own credential as the call path holds it: its secrets and a redactor for them, made once. */
export interface UserCredentialEntry {
  readonly secrets: UserSecrets;
  readonly redact: Redactor;
}

/** The per-user credentials a call may need, from memory (app.ts wires it to the catalog). */
export interface UserCredentials {
  find(providerId: number, clientName: string): UserCredentialEntry | undefined;
}

/** No per-user credentials at all (tests and embeddings that have no catalog). */
export const NO_USER_CREDENTIALS: UserCredentials = { find: () => undefined };

/**
 * An index made again only when `version` moves — a credential, client or provider write bumps the
 * registry version, here or in another process. `read` gives the credentials loaded with the registry's
 * snapshot (in its read), so a call reads no database. Each credential's redactor is made once per
 * version, not per call.
 */
export function createUserCredentialIndex(
  read: () => UserCredential[],
  version: () => number,
  /** Told each new index: what was cached for a credential now gone (a client's dynamic-auth token) is dropped. */
  onRebuild: (find: (providerId: number, clientName: string) => UserCredentialEntry | undefined) => void = () => {},
): UserCredentials {
  const current = byVersion(version, () => {
    const byProvider = new Map<number, Map<string, UserCredentialEntry>>();
    for (const c of read()) {
      let clients = byProvider.get(c.providerId);
      if (!clients) byProvider.set(c.providerId, (clients = new Map()));
      clients.set(c.clientName, { secrets: c.secrets, redact: createRedactor(userSecretValues(c.secrets)) });
    }
    onRebuild((providerId, clientName) => byProvider.get(providerId)?.get(clientName));
    return byProvider;
  });
  return { find: (providerId, clientName) => current().get(providerId)?.get(clientName) };
}

/** What one call sends: the key, headers laid over the provider's, and the caller's own entry (for masking). */
export interface CallCredential {
  apiKeyValue: string | null;
  headers: Record<string, string> | undefined;
  own: UserCredentialEntry | null;
  /** A dynamic-auth provider: the client whose own token (fetched with its own payload) is sent; null: the shared token. */
  tokenOf: string | null;
}

/**
 * Whose credential a call sends (SPEC §11): the provider's for `shared`, for the owner and for calls
 * without a caller (stdio, in-process); otherwise the caller's own, else — for `per_user_or_shared` —
 * the provider's. Null: `per_user` and the caller has none, so nothing may be sent.
 */
export function callCredential(
  provider: Provider,
  caller: string | undefined,
  users: UserCredentials,
  shared: CallCredential = sharedCredential(provider),
): CallCredential | null {
  if (provider.credentialMode === 'shared' || caller === undefined || caller === OWNER_NAME) return shared;
  const own = users.find(provider.id, caller);
  const perUser = provider.credentialMode === 'per_user';
  if (!own) return perUser ? null : shared;
  if (provider.isDynamicAuth) {
    const ownPayload = own.secrets.dynamicAuthPayload !== undefined;
    // A per_user provider never lends its shared login (token) to a caller who set only headers.
    if (!ownPayload && perUser) return null;
    return { apiKeyValue: null, headers: own.secrets.customHeaders, own, tokenOf: ownPayload ? caller : null };
  }
  // A per_user provider never lends its shared key to a caller who set only headers.
  const apiKeyValue = own.secrets.apiKeyValue ?? (perUser ? null : provider.apiKeyValue);
  return { apiKeyValue, headers: own.secrets.customHeaders, own, tokenOf: null };
}

/** The provider's own credential, as a call sends it: made once per provider version by its tools. */
export function sharedCredential(provider: Provider): CallCredential {
  return { apiKeyValue: provider.apiKeyValue, headers: undefined, own: null, tokenOf: null };
}

/** The isError text for a `per_user` call whose caller has no credential of its own; `example` is the JSON to give. */
export function missingCredentialMessage(providerCode: string, caller: string, example = '{"apiKeyValue": "…"}'): string {
  return `Provider "${providerCode}" uses each client's own credential (credentialMode per_user), and client "${caller}" has none set for it, so nothing was sent. Set it with \`toolwire credential set --client ${caller} --provider ${providerCode}\` (the secret fields as JSON on stdin, such as ${example}) or PUT /admin/clients/${caller}/credentials/${providerCode}, then call again.`;
}
