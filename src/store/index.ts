import { statSync } from 'node:fs';
import { ToolwireError } from '../core/errors.js';
import { openDatabase, type OpenDatabase } from './db.js';
import { ProviderRepository } from './providers.js';
import { ToolRepository } from './tools.js';
import { McpRegistrationRepository } from './mcp-registrations.js';
import { VaultRepository } from './vaults.js';
import { ClientRepository } from './clients.js';
import { ClientCredentialRepository } from './client-credentials.js';
import { AuditRepository } from './audit.js';

/** The registry's persistent side: providers and tools, secrets sealed, a version bumped on each change. */
export interface Store {
  readonly database: OpenDatabase;
  readonly providers: ProviderRepository;
  readonly tools: ToolRepository;
  readonly vaults: VaultRepository;
  /** Upstream MCP servers registered by POST /api/add-git-providers. */
  readonly mcpRegistrations: McpRegistrationRepository;
  /** Client identities (SPEC §11): their scopes and token hashes. */
  readonly clients: ClientRepository;
  /** Each client's own credentials for per-user providers, sealed. */
  readonly clientCredentials: ClientCredentialRepository;
  /** The audit log (SPEC §12). */
  readonly audit: AuditRepository;
  /**
   * Runs fn in one IMMEDIATE transaction: all of it is written or none. Every repository call fn makes (or
   * awaits) runs in it, and a transaction started inside joins it (driver.ts). Refused when the database
   * file was deleted or replaced while open (the write would go into a file no one will read again).
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs fn in one DEFERRED transaction: a consistent read that, under WAL, never waits for another
   * process's write lock.
   */
  read<T>(fn: () => Promise<T>): Promise<T>;
  /** Null while the file on disk is the one opened; otherwise a message naming it. */
  fileProblem(): string | null;
  /** A counter bumped by triggers on every provider, tool, vault-credential or client write, from any process. */
  registryVersion(): Promise<number>;
  /** SQLite's data_version: changes when another connection commits. Cheap to poll. */
  dataVersion(): Promise<number>;
  close(): Promise<void>;
}

export async function createStore(path: string, key: Buffer): Promise<Store> {
  const database = await openDatabase(path, key);
  const { driver } = database;
  const fileProblem = watchFileIdentity(path);
  return {
    database,
    providers: new ProviderRepository(database),
    tools: new ToolRepository(database),
    vaults: new VaultRepository(database),
    mcpRegistrations: new McpRegistrationRepository(database),
    clients: new ClientRepository(database),
    clientCredentials: new ClientCredentialRepository(database),
    audit: new AuditRepository(database),
    transaction: async (fn) => {
      const problem = fileProblem();
      if (problem) throw new ToolwireError('STORAGE', problem);
      return driver.transaction(() => fn());
    },
    read: (fn) => driver.read(() => fn()),
    fileProblem,
    registryVersion: async () => Number((await driver.get<{ value: string }>(`SELECT value FROM meta WHERE key = 'registry_version'`))?.value),
    dataVersion: () => database.dataVersion(),
    close: () => database.close(),
  };
}

/**
 * The database file's identity (device and inode) at open. Deleting or replacing the file while
 * serving leaves SQLite writing into the unlinked one: every answer says "saved", and it is all lost
 * at the next start. A stat per write is cheap next to the write itself.
 */
function watchFileIdentity(path: string): () => string | null {
  if (path === ':memory:') return () => null;
  const identity = (): string | null => {
    try {
      const stat = statSync(path);
      return `${stat.dev}:${stat.ino}`;
    } catch {
      return null;
    }
  };
  const opened = identity();
  return () => {
    const now = identity();
    if (now === opened) return null;
    return `The database file ${path} was ${now === null ? 'deleted' : 'replaced by another file'} while toolwire was running, so nothing more can be saved to it: nothing was written. Restore the file (or move the new one away) and restart toolwire.`;
  };
}

export { WrongKeyError } from './key-rotation.js';
export type { ProviderRecord } from './providers.js';
export type { ToolRecord } from './tools.js';
export * from '../core/model.js';
export * from './vaults.js';
export type { McpRegistration } from './mcp-registrations.js';
export type { NewClient } from './clients.js';
export type { AuditFilter } from './audit.js';
