import type { OAuthTokens, UserCredential, UserSecrets } from '../core/user-credentials.js';
import type { OpenDatabase } from './db.js';
import { opening } from './secret-box.js';

interface CredentialRow {
  client_name: string;
  provider_id: number;
  provider_code: string;
  secrets_enc: string;
  refreshed_enc: string | null;
  updated_at: string;
}

const SELECT = `SELECT c.name AS client_name, p.id AS provider_id, p.code AS provider_code, cc.secrets_enc, cc.refreshed_enc, cc.updated_at
  FROM client_credentials cc JOIN clients c ON c.id = cc.client_id JOIN providers p ON p.id = cc.provider_id`;

const SQL = {
  all: `${SELECT} ORDER BY c.name, p.code`,
  byClient: `${SELECT} WHERE c.name = ? ORDER BY p.code`,
  upsert: `INSERT INTO client_credentials (client_id, provider_id, secrets_enc, updated_at)
     VALUES ((SELECT id FROM clients WHERE name = @client), @providerId, @sealed, @now)
     ON CONFLICT (client_id, provider_id) DO UPDATE SET secrets_enc = excluded.secrets_enc, refreshed_enc = NULL, updated_at = excluded.updated_at`,
  refreshed:
    'UPDATE client_credentials SET refreshed_enc = @sealed WHERE client_id = (SELECT id FROM clients WHERE name = @client) AND provider_id = @providerId',
  removeForProvider: 'DELETE FROM client_credentials WHERE provider_id = ?',
  remove: 'DELETE FROM client_credentials WHERE client_id = (SELECT id FROM clients WHERE name = ?) AND provider_id = ?',
};

/**
 * Per-user credentials (migration 6): one sealed JSON object per (client, provider); rows go with either.
 * An OAuth grant's renewed tokens (migration 8) are sealed in `refreshed_enc`, whose update bumps nothing.
 */
export class ClientCredentialRepository {
  constructor(private readonly database: OpenDatabase) {}

  private get db() {
    return this.database.driver;
  }

  /** Every client's credentials, opened: the call path's index, loaded with the registry's snapshot. */
  async list(): Promise<UserCredential[]> {
    const rows = await this.db.all<CredentialRow>(SQL.all);
    return opening(this.database.box, () => rows.map((row) => this.fromRow(row)));
  }

  async listByClient(clientName: string): Promise<UserCredential[]> {
    const rows = await this.db.all<CredentialRow>(SQL.byClient, [clientName]);
    return opening(this.database.box, () => rows.map((row) => this.fromRow(row)));
  }

  /** Replaces the client's credential for the provider (the client must exist; the caller checked). */
  async set(clientName: string, providerId: number, secrets: UserSecrets): Promise<void> {
    await this.database.box.beforeSeal();
    await this.db.run(SQL.upsert, {
      client: clientName,
      providerId,
      sealed: this.database.box.encrypt(JSON.stringify(secrets)),
      now: new Date().toISOString(),
    });
  }

  /**
   * Keeps the tokens a refresh brought, beside the grant the client connected with: no registry version
   * bump (see migration 8). False when the credential is gone (removed meanwhile): nothing is written.
   */
  async setRefreshed(clientName: string, providerId: number, tokens: OAuthTokens): Promise<boolean> {
    await this.database.box.beforeSeal();
    return (await this.db.run(SQL.refreshed, { client: clientName, providerId, sealed: this.database.box.encrypt(JSON.stringify(tokens)) })).changes > 0;
  }

  /** False when there was none. */
  async remove(clientName: string, providerId: number): Promise<boolean> {
    return (await this.db.run(SQL.remove, [clientName, providerId])).changes > 0;
  }

  /** Every client's credential for the provider; how many there were. */
  async removeForProvider(providerId: number): Promise<number> {
    return (await this.db.run(SQL.removeForProvider, [providerId])).changes;
  }

  private fromRow(row: CredentialRow): UserCredential {
    const secrets = JSON.parse(this.database.box.decrypt(row.secrets_enc)) as UserSecrets;
    if (row.refreshed_enc !== null) secrets.oauth = JSON.parse(this.database.box.decrypt(row.refreshed_enc)) as OAuthTokens;
    return {
      clientName: row.client_name,
      providerId: row.provider_id,
      providerCode: row.provider_code,
      secrets,
      updatedAt: row.updated_at,
    };
  }
}
