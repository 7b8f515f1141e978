import type { OpenDatabase } from './db.js';

/** A provider that `mcp_config` registered, and the server it stands for (its URL, or `stdio:` + name). */
export interface McpRegistration {
  providerId: number;
  serverKey: string;
}

/**
 * The table of migration 3: which providers POST /api/add-git-providers created from its `mcp_config`.
 * Only those are removed when a later `mcp_config` no longer lists them; providers added any other way
 * are never touched. Deleting a provider (admin API, CLI) deletes its row too (ON DELETE CASCADE).
 */
export class McpRegistrationRepository {
  private readonly statements;

  constructor(database: OpenDatabase) {
    const db = database.sqlite;
    this.statements = {
      all: db.prepare('SELECT provider_id AS providerId, server_key AS serverKey FROM mcp_config_servers ORDER BY provider_id'),
      add: db.prepare('INSERT INTO mcp_config_servers (provider_id, server_key) VALUES (?, ?)'),
    };
  }

  list(): McpRegistration[] {
    return this.statements.all.all() as McpRegistration[];
  }

  add(providerId: number, serverKey: string): void {
    this.statements.add.run(providerId, serverKey);
  }
}
