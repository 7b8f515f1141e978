import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqlDriver } from './driver.js';
import { MIGRATIONS } from './migrations.js';
import { openKeyring } from './key-rotation.js';
import type { Keyring } from './secret-box.js';
import { sqliteDriver } from './sqlite-driver.js';

/** An open database with its secret box; the key has been checked against the stored check value. */
export interface OpenDatabase {
  /** Every statement goes through it (driver.ts). */
  driver: SqlDriver;
  /** The master key, and the key it was rotated to or from (key-rotation.ts). */
  box: Keyring;
  path: string;
  /** SQLite's data_version: changes when another connection commits. Cheap to poll. */
  dataVersion(): Promise<number>;
  /**
   * For the rest of this connection: freed space is zeroed (old sealed values do not linger in free pages),
   * and a commit is on disk before it returns (a key rotation: the key file is replaced right after).
   */
  hardenForRotation(): Promise<void>;
  /** Empties the WAL into the database file (after a rotation: no old sealed value stays in it). Best effort. */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(path: string, key: Buffer): Promise<OpenDatabase> {
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
      box,
      path,
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
