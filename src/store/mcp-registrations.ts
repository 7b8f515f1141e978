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
  constructor(private readonly database: OpenDatabase) {}

  async list(): Promise<McpRegistration[]> {
    return this.database.driver.all<McpRegistration>(
      'SELECT provider_id AS "providerId", server_key AS "serverKey" FROM mcp_config_servers ORDER BY provider_id',
    );
  }

  async add(providerId: number, serverKey: string): Promise<void> {
    await this.database.driver.run('INSERT INTO mcp_config_servers (provider_id, server_key) VALUES (?, ?)', [providerId, serverKey]);
  }
}
