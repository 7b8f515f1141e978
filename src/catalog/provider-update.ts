import type { Provider, ProviderRecord } from '../core/model.js';
import type { Store } from '../store/index.js';
import { userSecretOriginMoved } from './moved-secrets.js';

/**
 * Stores a provider update (the caller holds the transaction). When the write moves the origin its
 * secrets go to, every client's own credential for it is removed too: like the shared secrets
 * (`dropMovedSecrets`), a per-user secret is sent only to the origin it was set for (an OAuth grant's
 * refresh token only to the token endpoint it came from).
 */
export async function updateProviderRecord(store: Store, existing: Provider, record: ProviderRecord): Promise<Provider> {
  if (userSecretOriginMoved(record, existing)) await store.clientCredentials.removeForProvider(existing.id);
  return store.providers.update(existing.id, record);
}
