import type { ClientIdentity } from '../core/identity.js';
import type { OpenDatabase } from './db.js';

interface ClientRow {
  name: string;
  providers: string;
  tools: string;
  admin: number;
  created_at: string;
  rotated_at: string | null;
  subject: string | null;
  rate_per_minute: number | null;
}

/** The new client's fields; its token only as the hash, which no read ever returns. */
export interface NewClient {
  name: string;
  tokenHash: string;
  providers: readonly string[];
  tools: readonly string[];
  admin: boolean;
  ratePerMinute: number | null;
  /** The JWT subject the identity stands for; absent for token clients. */
  subject?: string;
}

/** Every column but the hash: nothing read from this table can carry a token or its hash out. */
const COLUMNS = 'name, providers, tools, admin, created_at, rotated_at, subject, rate_per_minute';

const toIdentity = (row: ClientRow): ClientIdentity => ({
  name: row.name,
  providers: JSON.parse(row.providers) as string[],
  tools: JSON.parse(row.tools) as string[],
  admin: row.admin === 1,
  createdAt: row.created_at,
  rotatedAt: row.rotated_at,
  subject: row.subject,
  rateLimit: row.rate_per_minute === null ? null : { perMinute: row.rate_per_minute },
});

const SQL = {
  all: `SELECT ${COLUMNS} FROM clients ORDER BY name`,
  byName: `SELECT ${COLUMNS} FROM clients WHERE name = ?`,
  byHash: `SELECT ${COLUMNS} FROM clients WHERE token_hash = ?`,
  bySubject: `SELECT ${COLUMNS} FROM clients WHERE subject = ?`,
  withHashes: `SELECT token_hash, ${COLUMNS} FROM clients`,
  insert:
    'INSERT INTO clients (name, token_hash, providers, tools, admin, created_at, subject, rate_per_minute) VALUES (@name, @tokenHash, @providers, @tools, @admin, @createdAt, @subject, @ratePerMinute)',
  setRate: 'UPDATE clients SET rate_per_minute = ? WHERE name = ?',
  rotate: 'UPDATE clients SET token_hash = ?, rotated_at = ? WHERE name = ?',
  update: 'UPDATE clients SET providers = @providers, tools = @tools, admin = @admin WHERE name = @name',
  remove: 'DELETE FROM clients WHERE name = ?',
};

/** Client identities (migration 5). Callers hash tokens; this file never sees one. */
export class ClientRepository {
  constructor(private readonly database: OpenDatabase) {}

  private get db() {
    return this.database.driver;
  }

  async list(): Promise<ClientIdentity[]> {
    return (await this.db.all<ClientRow>(SQL.all)).map(toIdentity);
  }

  async findByName(name: string): Promise<ClientIdentity | null> {
    const row = await this.db.get<ClientRow>(SQL.byName, [name]);
    return row ? toIdentity(row) : null;
  }

  /** Every identity by its token hash: the server's in-memory lookup, loaded with the registry's snapshot. */
  async byTokenHash(): Promise<Map<string, ClientIdentity>> {
    const rows = await this.db.all<ClientRow & { token_hash: string }>(SQL.withHashes);
    return new Map(rows.map((row) => [row.token_hash, toIdentity(row)]));
  }

  async findBySubject(subject: string): Promise<ClientIdentity | null> {
    const row = await this.db.get<ClientRow>(SQL.bySubject, [subject]);
    return row ? toIdentity(row) : null;
  }

  async findByTokenHash(tokenHash: string): Promise<ClientIdentity | null> {
    const row = await this.db.get<ClientRow>(SQL.byHash, [tokenHash]);
    return row ? toIdentity(row) : null;
  }

  async insert(client: NewClient): Promise<ClientIdentity> {
    const createdAt = new Date().toISOString();
    await this.db.run(SQL.insert, {
      name: client.name,
      tokenHash: client.tokenHash,
      providers: JSON.stringify(client.providers),
      tools: JSON.stringify(client.tools),
      admin: client.admin ? 1 : 0,
      createdAt,
      subject: client.subject ?? null,
      ratePerMinute: client.ratePerMinute,
    });
    return {
      name: client.name,
      providers: [...client.providers],
      tools: [...client.tools],
      admin: client.admin,
      createdAt,
      rotatedAt: null,
      subject: client.subject ?? null,
      rateLimit: client.ratePerMinute === null ? null : { perMinute: client.ratePerMinute },
    };
  }

  /** Replaces the scope and the admin flag; null when there is no such client. */
  async update(name: string, change: Pick<NewClient, 'providers' | 'tools' | 'admin'>): Promise<ClientIdentity | null> {
    const row = { name, providers: JSON.stringify(change.providers), tools: JSON.stringify(change.tools), admin: change.admin ? 1 : 0 };
    if ((await this.db.run(SQL.update, row)).changes === 0) return null;
    return this.findByName(name);
  }

  /** Sets (or, with null, removes) the client's rate limit; null when there is no such client. */
  async setRate(name: string, perMinute: number | null): Promise<ClientIdentity | null> {
    if ((await this.db.run(SQL.setRate, [perMinute, name])).changes === 0) return null;
    return this.findByName(name);
  }

  /** Replaces the token hash; null when there is no such client. */
  async rotate(name: string, tokenHash: string): Promise<ClientIdentity | null> {
    if ((await this.db.run(SQL.rotate, [tokenHash, new Date().toISOString(), name])).changes === 0) return null;
    return this.findByName(name);
  }

  /** False when there was no such client. */
  async remove(name: string): Promise<boolean> {
    return (await this.db.run(SQL.remove, [name])).changes > 0;
  }
}
