import { OWNER_NAME } from '../core/identity.js';
import type { ClientVaultToken, NewVaultCredential, Vault, VaultCredential } from '../core/vaults.js';
import type { Store } from '../store/index.js';
import type { ChangeOf } from './audit.js';

/** Runs a write in one transaction, its admin change recorded in it, and tells the registry afterwards (the catalog's own `write`). */
export type Write = <T>(fn: () => Promise<T>, change: ChangeOf<T>) => Promise<T>;

/**
 * Credential vaults (SPEC §9): each change one transaction, and the registry told, since an upstream MCP
 * server without a key of its own takes its token from the newest matching credential. Every operation
 * names its caller (SPEC §11): a vault belongs to the client whose token created it, a client reaches only
 * its own (another's is answered as one that does not exist: null/false), and the owner reaches all.
 */
export class VaultCatalog {
  constructor(
    private readonly store: Store,
    private readonly write: Write,
  ) {}

  list(caller: string): Promise<Vault[]> {
    return this.store.read(async () => (await this.store.vaults.listVaults()).filter((v) => reaches(caller, v)));
  }

  /** Null: no such vault, or not the caller's. */
  async get(id: string, caller: string): Promise<Vault | null> {
    const vault = await this.store.vaults.getVault(id);
    return vault && reaches(caller, vault) ? vault : null;
  }

  /** The vault's credentials; empty when the vault is not the caller's. */
  credentials(vaultId: string, caller: string): Promise<VaultCredential[]> {
    return this.store.read(async () => ((await this.get(vaultId, caller)) ? this.store.vaults.listCredentials(vaultId) : []));
  }

  credential(vaultId: string, id: string, caller: string): Promise<VaultCredential | null> {
    return this.store.read(async () => ((await this.get(vaultId, caller)) ? this.store.vaults.getCredential(vaultId, id) : null));
  }

  /** A vault (the caller's) and its first credentials, all written or none. */
  create(displayName: string, credentials: NewVaultCredential[], caller: string): Promise<{ vault: Vault; credentials: VaultCredential[] }> {
    const { vaults } = this.store;
    return this.write(
      async () => {
        const vault = await vaults.createVault(displayName, caller === OWNER_NAME ? null : caller);
        const added: VaultCredential[] = [];
        for (const c of credentials) added.push(await vaults.addCredential(vault.id, c));
        return { vault, credentials: added };
      },
      (r) => ({ action: 'vault.create', object: `vault:${r.vault.id}`, detail: `credentials: ${r.credentials.length}` }),
    );
  }

  /** Null when the vault is gone or not the caller's (it may be deleted between a request's check and its write): nothing written. */
  addCredential(vaultId: string, credential: NewVaultCredential, caller: string): Promise<VaultCredential | null> {
    return this.write(
      async () => ((await this.get(vaultId, caller)) ? this.store.vaults.addCredential(vaultId, credential) : null),
      (c) => ({ action: 'vault.credential.add', object: `vault:${vaultId}/${c?.id ?? '-'}` }),
    );
  }

  /** Deletes a vault and its credentials; false when there was none the caller reaches. */
  remove(id: string, caller: string): Promise<boolean> {
    return this.write(async () => ((await this.get(id, caller)) ? this.store.vaults.deleteVault(id) : false), {
      action: 'vault.remove',
      object: `vault:${id}`,
    });
  }

  removeCredential(vaultId: string, id: string, caller: string): Promise<boolean> {
    return this.write(async () => ((await this.get(vaultId, caller)) ? this.store.vaults.deleteCredential(vaultId, id) : false), {
      action: 'vault.credential.remove',
      object: `vault:${vaultId}/${id}`,
    });
  }

  /** Every client's newest vault credential per upstream MCP server, opened: the call path's index, loaded with the registry's snapshot. */
  clientTokens(): Promise<ClientVaultToken[]> {
    return this.store.read(() => this.store.vaults.clientTokens());
  }
}

/** The owner reaches every vault; a client only its own. */
function reaches(caller: string, vault: Vault): boolean {
  return caller === OWNER_NAME || vault.owner === caller;
}
