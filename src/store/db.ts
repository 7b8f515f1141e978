import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import { openKeyring } from './key-rotation.js';
import type { Keyring } from './secret-box.js';

export type Sqlite = BetterSqlite3.Database;

/** An open database with its secret box; the key has been checked against the stored check value. */
export interface OpenDatabase {
  sqlite: Sqlite;
  /** The master key, and the key it was rotated to or from (key-rotation.ts). */
  box: Keyring;
  path: string;
  close(): void;
}

export function openDatabase(path: string, key: Buffer): OpenDatabase {
  if (path !== ':memory:') createPrivately(path);
  const sqlite = new BetterSqlite3(path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    migrate(sqlite);
    const box = openKeyring(sqlite, key);
    return { sqlite, box, path, close: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
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

function migrate(sqlite: Sqlite): void {
  const current = sqlite.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    sqlite
      .transaction(() => {
        sqlite.exec(MIGRATIONS[version] as string);
        sqlite.pragma(`user_version = ${version + 1}`);
      })
      .immediate();
  }
}
