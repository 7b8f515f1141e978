import { openDatabase, type OpenDatabase } from './db.js';
import { ProviderRepository } from './providers.js';
import { ToolRepository } from './tools.js';
import { McpRegistrationRepository } from './mcp-registrations.js';
import { VaultRepository } from './vaults.js';

/** The registry's persistent side: providers and tools, secrets sealed, a version bumped on each change. */
export interface Store {
  readonly database: OpenDatabase;
  readonly providers: ProviderRepository;
  readonly tools: ToolRepository;
  readonly vaults: VaultRepository;
  /** Upstream MCP servers registered by POST /api/add-git-providers. */
  readonly mcpRegistrations: McpRegistrationRepository;
  /** Runs fn in one IMMEDIATE transaction: all of it is written or none. */
  transaction<T>(fn: () => T): T;
  /** A counter bumped by triggers on every provider, tool or vault-credential write, from any process. */
  registryVersion(): number;
  /** SQLite's data_version: changes when another connection commits. Cheap to poll. */
  dataVersion(): number;
  close(): void;
}

export function createStore(path: string, key: Buffer): Store {
  const database = openDatabase(path, key);
  const versionStatement = database.sqlite.prepare(`SELECT value FROM meta WHERE key = 'registry_version'`).pluck();
  return {
    database,
    providers: new ProviderRepository(database),
    tools: new ToolRepository(database),
    vaults: new VaultRepository(database),
    mcpRegistrations: new McpRegistrationRepository(database),
    transaction: (fn) => database.sqlite.transaction(fn).immediate(),
    registryVersion: () => Number(versionStatement.get()),
    dataVersion: () => database.sqlite.pragma('data_version', { simple: true }) as number,
    close: () => database.close(),
  };
}

export { WrongKeyError } from './db.js';
export type { ProviderRecord } from './providers.js';
export type { ToolRecord } from './tools.js';
export * from './types.js';
export * from './vaults.js';
export type { McpRegistration } from './mcp-registrations.js';
