import { randomBytes } from 'node:crypto';
import type { ClientVaultToken, NewVaultCredential, Vault, VaultCredential, VaultCredentialType, VaultProtocol } from '../core/vaults.js';
import type { OpenDatabase } from './db.js';
import { opening } from './secret-box.js';

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

const SQL = {
  allVaults: `${VAULT_SELECT} ORDER BY v.created_at, v.id`,
  vault: `${VAULT_SELECT} WHERE v.id = ?`,
  insertVault: 'INSERT INTO vaults (id, display_name, owner_client_id, created_at, updated_at) VALUES (?, ?, (SELECT id FROM clients WHERE name = ?), ?, ?)',
  deleteVault: 'DELETE FROM vaults WHERE id = ?',
  credentials: `SELECT ${CREDENTIAL_COLUMNS} FROM vault_credentials WHERE vault_id = ? ORDER BY seq`,
  credential: `SELECT ${CREDENTIAL_COLUMNS} FROM vault_credentials WHERE vault_id = ? AND id = ?`,
  insertCredential: `INSERT INTO vault_credentials (id, vault_id, mcp_server_url, protocol, type, access_token_enc, created_at, updated_at)
     VALUES (@id, @vault_id, @mcp_server_url, @protocol, @type, @access_token_enc, @created_at, @updated_at)`,
  deleteCredential: 'DELETE FROM vault_credentials WHERE vault_id = ? AND id = ?',
  // The shared credential comes from the owner's vaults only: a client's vault never lends its token to others.
  latestToken: `SELECT vc.access_token_enc FROM vault_credentials vc JOIN vaults v ON v.id = vc.vault_id
     WHERE vc.mcp_server_url = ? AND vc.protocol = ? AND v.owner_client_id IS NULL ORDER BY vc.seq DESC LIMIT 1`,
  // The owner's newest credential per server and protocol (what tokenFor gives, for every server at once).
  sharedTokens: `SELECT vc.mcp_server_url, vc.protocol, vc.access_token_enc FROM vault_credentials vc JOIN vaults v ON v.id = vc.vault_id
     WHERE v.owner_client_id IS NULL AND vc.seq = (SELECT MAX(x.seq) FROM vault_credentials x JOIN vaults y ON y.id = x.vault_id
                     WHERE y.owner_client_id IS NULL AND x.mcp_server_url = vc.mcp_server_url AND x.protocol = vc.protocol)`,
  // Each client's newest credential per server and protocol.
  clientTokens: `SELECT c.name AS client_name, vc.mcp_server_url, vc.protocol, vc.access_token_enc FROM vault_credentials vc
       JOIN vaults v ON v.id = vc.vault_id JOIN clients c ON c.id = v.owner_client_id
     WHERE vc.seq = (SELECT MAX(x.seq) FROM vault_credentials x JOIN vaults y ON y.id = x.vault_id
                     WHERE y.owner_client_id = v.owner_client_id AND x.mcp_server_url = vc.mcp_server_url AND x.protocol = vc.protocol)`,
};

/** Vaults and their credentials; access tokens are sealed with the master key like every secret. */
export class VaultRepository {
  constructor(private readonly database: OpenDatabase) {}

  private get db() {
    return this.database.driver;
  }

  async listVaults(): Promise<Vault[]> {
    return (await this.db.all<VaultRow>(SQL.allVaults)).map(toVault);
  }

  async getVault(id: string): Promise<Vault | null> {
    const row = await this.db.get<VaultRow>(SQL.vault, [id]);
    return row ? toVault(row) : null;
  }

  /** Creates a vault owned by `owner` (a client's name; null: the owner's); callers wrap it and its first credentials in one transaction. */
  async createVault(displayName: string, owner: string | null = null): Promise<Vault> {
    const now = new Date().toISOString();
    const id = newId('vault');
    await this.db.run(SQL.insertVault, [id, displayName, owner, now, now]);
    return { id, displayName, owner, createdAt: now, updatedAt: now };
  }

  /** Deletes a vault and its credentials; false when there was none. */
  async deleteVault(id: string): Promise<boolean> {
    return (await this.db.run(SQL.deleteVault, [id])).changes > 0;
  }

  async listCredentials(vaultId: string): Promise<VaultCredential[]> {
    return (await this.db.all<CredentialRow>(SQL.credentials, [vaultId])).map(toCredential);
  }

  async getCredential(vaultId: string, id: string): Promise<VaultCredential | null> {
    const row = await this.db.get<CredentialRow>(SQL.credential, [vaultId, id]);
    return row ? toCredential(row) : null;
  }

  async addCredential(vaultId: string, credential: NewVaultCredential): Promise<VaultCredential> {
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
    await this.database.box.beforeSeal();
    await this.db.run(SQL.insertCredential, { ...row, access_token_enc: this.database.box.encrypt(credential.accessToken) });
    return toCredential(row);
  }

  async deleteCredential(vaultId: string, id: string): Promise<boolean> {
    return (await this.db.run(SQL.deleteCredential, [vaultId, id])).changes > 0;
  }

  /** Every client's newest credential per server URL and protocol, opened: loaded with the registry's snapshot. */
  async clientTokens(): Promise<ClientVaultToken[]> {
    const rows = await this.db.all<{ client_name: string; mcp_server_url: string; protocol: string; access_token_enc: string }>(SQL.clientTokens);
    return opening(this.database.box, () =>
      rows.map((r) => ({
        clientName: r.client_name,
        mcpServerUrl: r.mcp_server_url,
        protocol: r.protocol as VaultProtocol,
        accessToken: this.database.box.decrypt(r.access_token_enc),
      })),
    );
  }

  /** The owner's newest credential per server URL and protocol, opened: what `tokenFor` gives, for every server in one read. */
  async sharedTokens(): Promise<Array<{ mcpServerUrl: string; protocol: VaultProtocol; accessToken: string }>> {
    const rows = await this.db.all<{ mcp_server_url: string; protocol: string; access_token_enc: string }>(SQL.sharedTokens);
    return opening(this.database.box, () =>
      rows.map((r) => ({ mcpServerUrl: r.mcp_server_url, protocol: r.protocol as VaultProtocol, accessToken: this.database.box.decrypt(r.access_token_enc) })),
    );
  }

  /** The access token of the most recently created credential for this server URL and protocol in the owner's vaults, or null. */
  async tokenFor(mcpServerUrl: string, protocol: VaultProtocol): Promise<string | null> {
    const sealed = (await this.db.get<{ access_token_enc: string }>(SQL.latestToken, [mcpServerUrl, protocol]))?.access_token_enc;
    return sealed === undefined ? null : opening(this.database.box, () => this.database.box.decrypt(sealed));
  }
}
