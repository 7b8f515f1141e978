import { randomBytes } from 'node:crypto';
import type { ClientVaultToken, NewVaultCredential, Vault, VaultCredential, VaultCredentialType, VaultProtocol } from '../core/vaults.js';
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

interface VaultRow {
  id: string;
  display_name: string;
  owner: string | null;
  created_at: string;
  updated_at: string;
}

const toVault = (row: VaultRow): Vault => ({
  id: row.id,
  displayName: row.display_name,
  owner: row.owner,
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

const VAULT_SELECT = `SELECT v.id, v.display_name, c.name AS owner, v.created_at, v.updated_at FROM vaults v LEFT JOIN clients c ON c.id = v.owner_client_id`;

const CREDENTIAL_COLUMNS = 'id, vault_id, mcp_server_url, protocol, type, created_at, updated_at';

/** Vaults and their credentials; access tokens are sealed with the master key like every secret. */
export class VaultRepository {
  private readonly statements;

  constructor(private readonly database: OpenDatabase) {
    const db = database.sqlite;
    this.statements = {
      allVaults: db.prepare(`${VAULT_SELECT} ORDER BY v.created_at, v.id`),
      vault: db.prepare(`${VAULT_SELECT} WHERE v.id = ?`),
      insertVault: db.prepare(
        'INSERT INTO vaults (id, display_name, owner_client_id, created_at, updated_at) VALUES (?, ?, (SELECT id FROM clients WHERE name = ?), ?, ?)',
      ),
      deleteVault: db.prepare('DELETE FROM vaults WHERE id = ?'),
      credentials: db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM vault_credentials WHERE vault_id = ? ORDER BY seq`),
      credential: db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM vault_credentials WHERE vault_id = ? AND id = ?`),
      insertCredential: db.prepare(
        `INSERT INTO vault_credentials (id, vault_id, mcp_server_url, protocol, type, access_token_enc, created_at, updated_at)
         VALUES (@id, @vault_id, @mcp_server_url, @protocol, @type, @access_token_enc, @created_at, @updated_at)`,
      ),
      deleteCredential: db.prepare('DELETE FROM vault_credentials WHERE vault_id = ? AND id = ?'),
      // The shared credential comes from the owner's vaults only: a client's vault never lends its token to others.
      latestToken: db
        .prepare(
          `SELECT vc.access_token_enc FROM vault_credentials vc JOIN vaults v ON v.id = vc.vault_id
           WHERE vc.mcp_server_url = ? AND vc.protocol = ? AND v.owner_client_id IS NULL ORDER BY vc.seq DESC LIMIT 1`,
        )
        .pluck(),
      // Each client's newest credential per server and protocol.
      clientTokens: db.prepare(
        `SELECT c.name AS client_name, vc.mcp_server_url, vc.protocol, vc.access_token_enc FROM vault_credentials vc
           JOIN vaults v ON v.id = vc.vault_id JOIN clients c ON c.id = v.owner_client_id
         WHERE vc.seq = (SELECT MAX(x.seq) FROM vault_credentials x JOIN vaults y ON y.id = x.vault_id
                         WHERE y.owner_client_id = v.owner_client_id AND x.mcp_server_url = vc.mcp_server_url AND x.protocol = vc.protocol)`,
      ),
    };
  }

  listVaults(): Vault[] {
    return (this.statements.allVaults.all() as VaultRow[]).map(toVault);
  }

  getVault(id: string): Vault | null {
    const row = this.statements.vault.get(id) as VaultRow | undefined;
    return row ? toVault(row) : null;
  }

  /** Creates a vault owned by `owner` (a client's name; null: the owner's); callers wrap it and its first credentials in one transaction. */
  createVault(displayName: string, owner: string | null = null): Vault {
    const now = new Date().toISOString();
    const id = newId('vault');
    this.statements.insertVault.run(id, displayName, owner, now, now);
    return { id, displayName, owner, createdAt: now, updatedAt: now };
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

  /** Every client's newest credential per server URL and protocol, opened: read once per registry version. */
  clientTokens(): ClientVaultToken[] {
    const rows = this.statements.clientTokens.all() as Array<{ client_name: string; mcp_server_url: string; protocol: string; access_token_enc: string }>;
    return rows.map((r) => ({
      clientName: r.client_name,
      mcpServerUrl: r.mcp_server_url,
      protocol: r.protocol as VaultProtocol,
      accessToken: this.database.box.decrypt(r.access_token_enc),
    }));
  }

  /** The access token of the most recently created credential for this server URL and protocol in the owner's vaults, or null. */
  tokenFor(mcpServerUrl: string, protocol: VaultProtocol): string | null {
    const sealed = this.statements.latestToken.get(mcpServerUrl, protocol) as string | undefined;
    return sealed === undefined ? null : this.database.box.decrypt(sealed);
  }
}
