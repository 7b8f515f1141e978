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

/** Client identities (migration 5). Callers hash tokens; this file never sees one. */
export class ClientRepository {
  private readonly statements;

  constructor(database: OpenDatabase) {
    const db = database.sqlite;
    this.statements = {
      all: db.prepare(`SELECT ${COLUMNS} FROM clients ORDER BY name`),
      byName: db.prepare(`SELECT ${COLUMNS} FROM clients WHERE name = ?`),
      byHash: db.prepare(`SELECT ${COLUMNS} FROM clients WHERE token_hash = ?`),
      bySubject: db.prepare(`SELECT ${COLUMNS} FROM clients WHERE subject = ?`),
      withHashes: db.prepare(`SELECT token_hash, ${COLUMNS} FROM clients`),
      insert: db.prepare(
        'INSERT INTO clients (name, token_hash, providers, tools, admin, created_at, subject, rate_per_minute) VALUES (@name, @tokenHash, @providers, @tools, @admin, @createdAt, @subject, @ratePerMinute)',
      ),
      setRate: db.prepare('UPDATE clients SET rate_per_minute = ? WHERE name = ?'),
      rotate: db.prepare('UPDATE clients SET token_hash = ?, rotated_at = ? WHERE name = ?'),
      update: db.prepare('UPDATE clients SET providers = @providers, tools = @tools, admin = @admin WHERE name = @name'),
      remove: db.prepare('DELETE FROM clients WHERE name = ?'),
    };
  }

  list(): ClientIdentity[] {
    return (this.statements.all.all() as ClientRow[]).map(toIdentity);
  }

  findByName(name: string): ClientIdentity | null {
    const row = this.statements.byName.get(name) as ClientRow | undefined;
    return row ? toIdentity(row) : null;
  }

  /** Every identity by its token hash: the server's in-memory lookup, rebuilt only when clients change. */
  byTokenHash(): Map<string, ClientIdentity> {
    const rows = this.statements.withHashes.all() as Array<ClientRow & { token_hash: string }>;
    return new Map(rows.map((row) => [row.token_hash, toIdentity(row)]));
  }

  findBySubject(subject: string): ClientIdentity | null {
    const row = this.statements.bySubject.get(subject) as ClientRow | undefined;
    return row ? toIdentity(row) : null;
  }

  findByTokenHash(tokenHash: string): ClientIdentity | null {
    const row = this.statements.byHash.get(tokenHash) as ClientRow | undefined;
    return row ? toIdentity(row) : null;
  }

  insert(client: NewClient): ClientIdentity {
    const createdAt = new Date().toISOString();
    this.statements.insert.run({
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
  update(name: string, change: Pick<NewClient, 'providers' | 'tools' | 'admin'>): ClientIdentity | null {
    const row = { name, providers: JSON.stringify(change.providers), tools: JSON.stringify(change.tools), admin: change.admin ? 1 : 0 };
    if (this.statements.update.run(row).changes === 0) return null;
    return this.findByName(name);
  }

  /** Sets (or, with null, removes) the client's rate limit; null when there is no such client. */
  setRate(name: string, perMinute: number | null): ClientIdentity | null {
    if (this.statements.setRate.run(perMinute, name).changes === 0) return null;
    return this.findByName(name);
  }

  /** Replaces the token hash; null when there is no such client. */
  rotate(name: string, tokenHash: string): ClientIdentity | null {
    if (this.statements.rotate.run(tokenHash, new Date().toISOString(), name).changes === 0) return null;
    return this.findByName(name);
  }

  /** False when there was no such client. */
  remove(name: string): boolean {
    return this.statements.remove.run(name).changes > 0;
  }
}
