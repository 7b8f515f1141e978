import { afterAll, describe, expect, it } from 'vitest';
import type { SqlDriver } from '../../src/store/driver.js';
import { migratePostgres, postgresSchemaVersion } from '../../src/store/migrate-postgres.js';
import { PG_MIGRATIONS } from '../../src/store/migrations-postgres.js';
import { createPgDriver } from '../../src/store/pg-driver.js';
import { freshDatabase } from '../helpers/postgres.js';

const LATEST = PG_MIGRATIONS.at(-1)!.version;
const concurrentUrl = await freshDatabase();
const laterUrl = await freshDatabase();

const drivers: SqlDriver[] = [];
const open = async (url: string) => {
  const db = await createPgDriver(url, { poolSize: 2 });
  drivers.push(db);
  return db;
};
afterAll(async () => {
  for (const db of drivers) await db.close();
});

describe('migratePostgres', () => {
  it('migrates once when three instances start at once, then applies nothing', async () => {
    const instances = await Promise.all([1, 2, 3].map(() => open(concurrentUrl)));
    expect(await postgresSchemaVersion(instances[0]!)).toBe(0);
    const applied = await Promise.all(instances.map((db) => migratePostgres(db)));
    // Each migration once, whichever instance took it.
    expect(applied.reduce((a, b) => a + b, 0)).toBe(PG_MIGRATIONS.length);
    expect(await instances[1]!.all('SELECT version FROM schema_version ORDER BY version')).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version })));
    expect(await postgresSchemaVersion(instances[2]!)).toBe(LATEST);
    expect(await migratePostgres(instances[0]!)).toBe(0);
  });

  it('applies a later migration in one transaction: a failing one leaves nothing, and runs again next time', async () => {
    const db = await open(laterUrl);
    expect(await migratePostgres(db)).toBe(PG_MIGRATIONS.length);
    const next = LATEST + 1;
    const broken = [...PG_MIGRATIONS, { version: next, sql: 'CREATE TABLE later (x integer); SELECT no_such_function();' }];
    await expect(migratePostgres(db, broken)).rejects.toThrow(/no_such_function/);
    expect(await db.get("SELECT to_regclass('later')::text AS t")).toEqual({ t: null });
    expect(await postgresSchemaVersion(db)).toBe(LATEST);
    const fixed = [...PG_MIGRATIONS, { version: next, sql: 'CREATE TABLE later (x integer);' }];
    expect(await migratePostgres(db, fixed)).toBe(1);
    expect(await postgresSchemaVersion(db)).toBe(next);
    // A toolwire that knows only LATEST refuses a database at the next version.
    await expect(migratePostgres(db)).rejects.toThrow(new RegExp(`schema version ${next}, newer than this toolwire knows \\(${LATEST}\\)`));
  });
});
