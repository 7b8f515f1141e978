import { statSync } from 'node:fs';
import type { DatabaseTarget } from '../core/database-target.js';
import { ToolwireError } from '../core/errors.js';
import { openDatabase, type OpenDatabase, type OpenOptions } from './db.js';
import type { SqlDialect, SqlDriver } from './driver.js';
import { storeError } from './store-error.js';
import { ProviderRepository } from './providers.js';
import { ToolRepository } from './tools.js';
import { McpRegistrationRepository } from './mcp-registrations.js';
import { VaultRepository } from './vaults.js';
import { ClientRepository } from './clients.js';
import { ClientCredentialRepository } from './client-credentials.js';
import { AuditRepository } from './audit.js';
import { createSharedState } from './shared-state.js';
import type { SharedState } from '../core/shared-state.js';

/** The registry's persistent side: providers and tools, secrets sealed, a version bumped on each change. */
export interface Store {
  readonly database: OpenDatabase;
  /** The database's driver (driver.ts): for the change feed, shared tokens and `db copy`, which work below the repositories. */
  readonly driver: SqlDriver;
  readonly dialect: SqlDialect;
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
  /** Tickets, sign-ins, web sessions and kept answers any instance may be asked about (migration 14). */
  readonly shared: SharedState;
  /**
   * Runs fn in one write transaction: all of it is written or none. Every repository call fn makes (or
   * awaits) runs in it, and a transaction started inside joins it (driver.ts). SQLite: BEGIN IMMEDIATE;
   * PostgreSQL: the registry_version row locked first, so catalog writes of all instances run one at a
   * time (db.ts). Refused when the SQLite file was deleted or replaced while open (the write would go into
   * a file no one will read again). A database failure a user can act on (unreachable, full, locked, a
   * duplicate) comes out as a STORAGE or CONFLICT error naming the database (store-error.ts).
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs fn in one read transaction: a consistent snapshot (SQLite DEFERRED, which under WAL never waits
   * for another process's write lock; PostgreSQL REPEATABLE READ READ ONLY).
   */
  read<T>(fn: () => Promise<T>): Promise<T>;
  /** Null while the file on disk is the one opened (always on PostgreSQL); otherwise a message naming it. */
  fileProblem(): string | null;
  /** A counter bumped by triggers on every provider, tool, vault-credential or client write, from any process. */
  registryVersion(): Promise<number>;
  /**
   * Changes when another connection commits a change the registry shows; cheap to poll. SQLite's
   * data_version; on PostgreSQL the registry_version (its change feed is LISTEN, this is the fallback poll).
   */
  dataVersion(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The only way to open the store. `target`: a SQLite file path, or a parsed target (a SQLite file or a
 * PostgreSQL URL, core/database-target.ts); on PostgreSQL the schema is migrated and the key checked
 * through the pool, as on SQLite.
 */
export async function createStore(target: DatabaseTarget | string, key: Buffer, options: OpenOptions = {}): Promise<Store> {
  const database = await openPostgresMapped(target, key, options);
  const { driver } = database;
  const path = typeof target === 'string' ? target : target.dialect === 'sqlite' ? target.path : null;
  const fileProblem = path === null ? () => null : watchFileIdentity(path);
  const mapped = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw storeError(err, database.path) ?? err;
    }
  };
  return {
    database,
    driver,
    dialect: database.dialect,
    providers: new ProviderRepository(database),
    tools: new ToolRepository(database),
    vaults: new VaultRepository(database),
    mcpRegistrations: new McpRegistrationRepository(database),
    clients: new ClientRepository(database),
    clientCredentials: new ClientCredentialRepository(database),
    audit: new AuditRepository(database),
    shared: createSharedState(database),
    transaction: async (fn) => {
      const problem = fileProblem();
      if (problem) throw new ToolwireError('STORAGE', problem);
      return mapped(() => database.write(() => fn()));
    },
    read: (fn) => mapped(() => driver.read(() => fn())),
    fileProblem,
    registryVersion: async () => Number((await driver.get<{ value: string }>(`SELECT value FROM meta WHERE key = 'registry_version'`))?.value),
    dataVersion: () => database.dataVersion(),
    close: () => database.close(),
  };
}

/**
 * Opens the database; a PostgreSQL server that cannot be reached (or refuses the user, or lacks the
 * database) is a STORAGE error naming the masked URL. SQLite's open errors stay as they are: the app words them.
 */
async function openPostgresMapped(target: DatabaseTarget | string, key: Buffer, options: OpenOptions): Promise<OpenDatabase> {
  try {
    return await openDatabase(target, key, options);
  } catch (err) {
    if (typeof target === 'string' || target.dialect !== 'postgres') throw err;
    throw storeError(err, target.display) ?? err;
  }
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
export type { OpenOptions } from './db.js';
