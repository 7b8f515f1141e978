import type { NewVaultCredential, Vault, VaultCredential } from '../core/vaults.js';
import type { Store } from '../store/index.js';
import type { ChangeOf } from './audit.js';

/** Runs a write in one transaction, its admin change recorded in it, and tells the registry afterwards (the catalog's own `write`). */
export type Write = <T>(fn: () => T, change: ChangeOf<T>) => T;

/**
 * Credential vaults (SPEC §9): each change one transaction, and the registry told, since an upstream MCP
 * server without a key of its own takes its token from the newest matching credential.
 */
export class VaultCatalog {
  constructor(
    private readonly store: Store,
    private readonly write: Write,
  ) {}

  list(): Vault[] {
    return this.store.vaults.listVaults();
  }

  get(id: string): Vault | null {
    return this.store.vaults.getVault(id);
  }

  credentials(vaultId: string): VaultCredential[] {
    return this.store.vaults.listCredentials(vaultId);
  }

  credential(vaultId: string, id: string): VaultCredential | null {
    return this.store.vaults.getCredential(vaultId, id);
  }

  /** A vault and its first credentials, all written or none. */
  create(displayName: string, credentials: NewVaultCredential[]): { vault: Vault; credentials: VaultCredential[] } {
    const { vaults } = this.store;
    return this.write(
      () => {
        const vault = vaults.createVault(displayName);
        return { vault, credentials: credentials.map((c) => vaults.addCredential(vault.id, c)) };
      },
      (r) => ({ action: 'vault.create', object: `vault:${r.vault.id}`, detail: `credentials: ${r.credentials.length}` }),
    );
  }

  /** Null when the vault is gone (it may be deleted between a request's check and its write): nothing written. */
  addCredential(vaultId: string, credential: NewVaultCredential): VaultCredential | null {
    return this.write(
      () => (this.store.vaults.getVault(vaultId) ? this.store.vaults.addCredential(vaultId, credential) : null),
      (c) => ({ action: 'vault.credential.add', object: `vault:${vaultId}/${c?.id ?? '-'}` }),
    );
  }

  /** Deletes a vault and its credentials; false when there was none. */
  remove(id: string): boolean {
    return this.write(() => this.store.vaults.deleteVault(id), { action: 'vault.remove', object: `vault:${id}` });
  }

  removeCredential(vaultId: string, id: string): boolean {
    return this.write(() => this.store.vaults.deleteCredential(vaultId, id), { action: 'vault.credential.remove', object: `vault:${vaultId}/${id}` });
  }
}
