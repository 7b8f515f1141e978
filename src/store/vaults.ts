import { randomBytes } from 'node:crypto';
import type { NewVaultCredential, Vault, VaultCredential, VaultCredentialType, VaultProtocol } from '../core/vaults.js';
import type { OpenDatabase } from './db.js';

interface CredentialRow {
  id: string;
  vault_id: string;
  mcp_server_url: string;
  protocol: string;
  type: string;
  created_at: string;
  updated_at: string;
}

/** Ids in Qoder's shape: a prefix and 32 hex digits. */
const newId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

const toVault = (row: { id: string; display_name: string; created_at: string; updated_at: string }): Vault => ({
  id: row.id,
  displayName: row.display_name,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toCredential = (row: CredentialRow): VaultCredential => ({
  id: row.id,
  vaultId: row.vault_id,
  mcpServerUrl: row.mcp_server_url,
  protocol: row.protocol as VaultProtocol,
  type: row.type as VaultCredentialType,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const CREDENTIAL_COLUMNS = 'id, vault_id, mcp_server_url, protocol, type, created_at, updated_at';

/** Vaults and their credentials; access tokens are sealed with the master key like every secret. */
export class VaultRepository {
  private readonly statements;

  constructor(private readonly database: OpenDatabase) {
    const db = database.sqlite;
    this.statements = {
      allVaults: db.prepare('SELECT * FROM vaults ORDER BY created_at, id'),
      vault: db.prepare('SELECT * FROM vaults WHERE id = ?'),
      insertVault: db.prepare('INSERT INTO vaults (id, display_name, created_at, updated_at) VALUES (?, ?, ?, ?)'),
      deleteVault: db.prepare('DELETE FROM vaults WHERE id = ?'),
      credentials: db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM vault_credentials WHERE vault_id = ? ORDER BY seq`),
      credential: db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM vault_credentials WHERE vault_id = ? AND id = ?`),
      insertCredential: db.prepare(
        `INSERT INTO vault_credentials (id, vault_id, mcp_server_url, protocol, type, access_token_enc, created_at, updated_at)
         VALUES (@id, @vault_id, @mcp_server_url, @protocol, @type, @access_token_enc, @created_at, @updated_at)`,
      ),
      deleteCredential: db.prepare('DELETE FROM vault_credentials WHERE vault_id = ? AND id = ?'),
      latestToken: db.prepare('SELECT access_token_enc FROM vault_credentials WHERE mcp_server_url = ? AND protocol = ? ORDER BY seq DESC LIMIT 1').pluck(),
    };
  }

  listVaults(): Vault[] {
    return (this.statements.allVaults.all() as Parameters<typeof toVault>[0][]).map(toVault);
  }

  getVault(id: string): Vault | null {
    const row = this.statements.vault.get(id) as Parameters<typeof toVault>[0] | undefined;
    return row ? toVault(row) : null;
  }

  /** Creates a vault; callers wrap it and its first credentials in one transaction. */
  createVault(displayName: string): Vault {
    const now = new Date().toISOString();
    const id = newId('vault');
    this.statements.insertVault.run(id, displayName, now, now);
    return { id, displayName, createdAt: now, updatedAt: now };
  }

  /** Deletes a vault and its credentials; false when there was none. */
  deleteVault(id: string): boolean {
    return this.statements.deleteVault.run(id).changes > 0;
  }

  listCredentials(vaultId: string): VaultCredential[] {
    return (this.statements.credentials.all(vaultId) as CredentialRow[]).map(toCredential);
  }

  getCredential(vaultId: string, id: string): VaultCredential | null {
    const row = this.statements.credential.get(vaultId, id) as CredentialRow | undefined;
    return row ? toCredential(row) : null;
  }

  addCredential(vaultId: string, credential: NewVaultCredential): VaultCredential {
    const now = new Date().toISOString();
    const row: CredentialRow = {
      id: newId('vcred'),
      vault_id: vaultId,
      mcp_server_url: credential.mcpServerUrl,
      protocol: credential.protocol,
      type: credential.type,
      created_at: now,
      updated_at: now,
    };
    this.statements.insertCredential.run({ ...row, access_token_enc: this.database.box.encrypt(credential.accessToken) });
    return toCredential(row);
  }

  deleteCredential(vaultId: string, id: string): boolean {
    return this.statements.deleteCredential.run(vaultId, id).changes > 0;
  }

  /** The access token of the most recently created credential for this server URL and protocol, or null. */
  tokenFor(mcpServerUrl: string, protocol: VaultProtocol): string | null {
    const sealed = this.statements.latestToken.get(mcpServerUrl, protocol) as string | undefined;
    return sealed === undefined ? null : this.database.box.decrypt(sealed);
  }
}
