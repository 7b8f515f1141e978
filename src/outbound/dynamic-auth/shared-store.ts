import type { DatabaseTarget } from '../../core/database-target.js';
import type { Store } from '../../store/index.js';
import { createPgDriver } from '../../store/pg-driver.js';
import { createSharedTokenStore, type SharedTokenStore } from '../../store/shared-tokens.js';

/**
 * The shared token store the token manager sits in front of (SPEC §13), sealed with the store's keyring
 * (the same master key on every instance). On PostgreSQL it has a small pool of its own: a fetch for all
 * holds a connection (and the slot's advisory lock) for as long as the token endpoint takes, and must never
 * starve admin writes or the registry's reads; a caller waits at most the fetch timeout for another
 * instance's fetch (lock_timeout), and as long for a free connection.
 */
export interface OpenSharedTokens {
  tokens: SharedTokenStore;
  close(): Promise<void>;
}

export async function openSharedTokens(store: Store, target: DatabaseTarget, timeoutMs: number, onIdleError?: (err: Error) => void): Promise<OpenSharedTokens> {
  const box = store.database.box;
  const seal = {
    async seal(plain: string) {
      await box.beforeSeal();
      return box.encrypt(plain);
    },
    open(sealed: string) {
      const plain = box.tryOpen(sealed);
      if (plain === null) throw new Error('no key held opens this token');
      return plain;
    },
  };
  if (target.dialect !== 'postgres') {
    return { tokens: createSharedTokenStore(store.driver, { seal }), close: async () => {} };
  }
  const driver = await createPgDriver(target.url, {
    poolSize: 4,
    connectionTimeoutMillis: timeoutMs + 1000,
    applicationName: 'toolwire-tokens',
    onIdleError: onIdleError ?? (() => {}),
  });
  return { tokens: createSharedTokenStore(driver, { seal, lockTimeoutMs: timeoutMs }), close: () => driver.close() };
}
