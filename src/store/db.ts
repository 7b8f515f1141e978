import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseTarget } from '../core/database-target.js';
import type { SqlDialect, SqlDriver, SqlExecutor } from './driver.js';
import { MIGRATIONS } from './migrations.js';
import { openKeyring } from './key-rotation.js';
import { migratePostgres } from './migrate-postgres.js';
import { createPgDriver } from './pg-driver.js';
import type { Keyring } from './secret-box.js';
import { sqliteDriver } from './sqlite-driver.js';

/** An open database with its secret box; the key has been checked against the stored check value. */
export interface OpenDatabase {
  /** Every statement goes through it (driver.ts). */
  driver: SqlDriver;
  dialect: SqlDialect;
  /** The master key, and the key it was rotated to or from (key-rotation.ts). */
  box: Keyring;
  /** What messages may name: the SQLite file, or the PostgreSQL URL with its password masked. */
  path: string;
  /**
   * A catalog write transaction: SQLite's BEGIN IMMEDIATE; on PostgreSQL it first locks the
   * registry_version row (FOR UPDATE), so catalog writes from every instance run one at a time, as on
   * SQLite, and the catalog's "find, check, then insert" stays right.
   */
  write<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Changes whenever another connection commits something the registry shows. Cheap to poll. SQLite: its
   * data_version; PostgreSQL: the registry_version (the change feed's LISTEN is the fast path there).
   */
  dataVersion(): Promise<number>;
  /**
   * For the rest of this connection: freed space is zeroed (old sealed values do not linger in free pages),
   * and a commit is on disk before it returns (a key rotation: the key file is replaced right after).
   * Nothing to do on PostgreSQL (a commit is durable; VACUUM reclaims dead rows).
   */
  hardenForRotation(): Promise<void>;
  /** Empties the WAL into the database file (after a rotation: no old sealed value stays in it). Best effort. */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL: connections in the pool (TOOLWIRE_DB_POOL); default 10. */
  poolSize?: number;
}

/** A SQLite file path (a plain string) or a target parsed by parseDatabaseTarget. */
export async function openDatabase(target: DatabaseTarget | string, key: Buffer, options: OpenOptions = {}): Promise<OpenDatabase> {
  if (typeof target === 'string') return openSqlite(target, key);
  if (target.dialect === 'sqlite') return openSqlite(target.path, key);
  return openPostgres(target.url, target.display, key, options);
}

/** The statement that makes a PostgreSQL write transaction wait for every other instance's catalog write. */
export const WRITE_LOCK = `SELECT value FROM meta WHERE key = 'registry_version' FOR UPDATE`;

async function openPostgres(url: string, display: string, key: Buffer, options: OpenOptions): Promise<OpenDatabase> {
  const driver = await createPgDriver(url, options.poolSize === undefined ? {} : { poolSize: options.poolSize });
  try {
    await migratePostgres(driver);
    const box = await openKeyring(driver, key);
    const registryVersion = async () => Number((await driver.get<{ value: string }>(`SELECT value FROM meta WHERE key = 'registry_version'`))?.value);
    return {
      driver,
      dialect: 'postgres',
      box,
      path: display,
      write: (fn) =>
        driver.transaction(async (tx) => {
          await tx.get(WRITE_LOCK);
          return fn(tx);
        }),
      dataVersion: registryVersion,
      hardenForRotation: async () => {},
      checkpoint: async () => {},
      close: () => driver.close(),
    };
  } catch (err) {
    await driver.close().catch(() => {});
    throw err;
  }
}

async function openSqlite(path: string, key: Buffer): Promise<OpenDatabase> {
  if (path !== ':memory:') createPrivately(path);
  const sqlite = new BetterSqlite3(path);
  let driver: SqlDriver | null = null;
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    const db = sqliteDriver(sqlite);
    driver = db;
    await migrate(db);
    const box = await openKeyring(db, key);
    return {
      driver: db,
      dialect: 'sqlite',
      box,
      path,
      write: (fn) => db.transaction(fn),
      dataVersion: async () => Number((await db.get<{ data_version: number }>('PRAGMA data_version'))?.data_version),
      hardenForRotation: () => db.exec('PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;'),
      checkpoint: async () => {
        try {
          await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        } catch {
          // Readers may hold the WAL; it is checkpointed later. Nothing in it is plaintext.
        }
      },
      close: () => db.close(),
    };
  } catch (err) {
    if (driver) await driver.close();
    else sqlite.close();
    throw err;
  }
}

/**
 * Makes the database file 0600 (its folder 0700 when toolwire creates it) before SQLite opens it:
 * SQLite would create it 0644, and it gives the -wal and -shm files the database file's mode.
 * An existing file keeps the mode its owner chose.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, '', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Applies the migrations this file lacks, each in its own IMMEDIATE transaction, tracked with `PRAGMA user_version`. */
async function migrate(driver: SqlDriver): Promise<void> {
  const current = Number((await driver.get<{ user_version: number }>('PRAGMA user_version'))?.user_version ?? 0);
  for (let version = current; version < MIGRATIONS.length; version++) {
    await driver.transaction(async (tx) => {
      await tx.exec(MIGRATIONS[version] as string);
      await tx.exec(`PRAGMA user_version = ${version + 1}`);
    });
  }
}
