import { ToolwireError } from '../core/errors.js';
import type { SqlDriver } from './driver.js';
import { PG_MIGRATIONS, type PgMigration } from './migrations-postgres.js';

/**
 * Brings a PostgreSQL database to the schema this toolwire knows. Each migration runs in one transaction
 * (PostgreSQL's DDL is transactional: a failed one leaves nothing) under a transaction-scoped advisory lock,
 * so instances that start at once migrate once: the others wait, then find the version recorded and skip.
 * Returns how many migrations it applied (0 when the database was up to date).
 */

/** The advisory lock key of migrations ('toolwire migrate'); any constant other code does not use. */
export const MIGRATE_LOCK = 7347001;

export async function migratePostgres(db: SqlDriver, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  let applied = 0;
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.get(`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK})`);
      await tx.exec('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at text NOT NULL)');
      const row = await tx.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_version');
      const current = row?.version ?? 0;
      if (current > latest) {
        throw new ToolwireError(
          'CONFIG',
          `The PostgreSQL database is at schema version ${current}, newer than this toolwire knows (${latest}): another instance runs a newer release. Upgrade this toolwire to that release (or newer) before starting it on this database.`,
        );
      }
      if (current >= migration.version) return false;
      await tx.exec(migration.sql);
      await tx.run('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', [migration.version, new Date().toISOString()]);
      return true;
    });
    if (done) applied++;
  }
  return applied;
}

/** The schema version recorded in a PostgreSQL database; 0 when it has none yet. */
export async function postgresSchemaVersion(db: SqlDriver): Promise<number> {
  const table = await db.get<{ name: string | null }>("SELECT to_regclass('schema_version')::text AS name");
  if (!table?.name) return 0;
  return (await db.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_version'))?.version ?? 0;
}
