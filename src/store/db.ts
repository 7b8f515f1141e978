import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import { createSecretBox, type SecretBox } from './secret-box.js';

export type Sqlite = BetterSqlite3.Database;

/** An open database with its secret box; the key has been checked against the stored check value. */
export interface OpenDatabase {
  sqlite: Sqlite;
  box: SecretBox;
  path: string;
  close(): void;
}

const KEY_CHECK_PLAINTEXT = 'toolwire-key-check';

/** Thrown when the master key cannot decrypt this database's check value. */
export class WrongKeyError extends Error {}

export function openDatabase(path: string, key: Buffer): OpenDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    migrate(sqlite);
    const box = createSecretBox(key);
    checkKey(sqlite, box);
    return { sqlite, box, path, close: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

function migrate(sqlite: Sqlite): void {
  const current = sqlite.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    sqlite.transaction(() => {
      sqlite.exec(MIGRATIONS[version] as string);
      sqlite.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

/** Stores a check value on first use; afterwards a key that cannot decrypt it is refused. */
function checkKey(sqlite: Sqlite, box: SecretBox): void {
  const row = sqlite.prepare(`SELECT value FROM meta WHERE key = 'key_check'`).get() as { value: string } | undefined;
  if (!row) {
    sqlite.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('key_check', ?)`).run(box.encrypt(KEY_CHECK_PLAINTEXT));
    return;
  }
  let plain: string;
  try {
    plain = box.decrypt(row.value);
  } catch {
    throw new WrongKeyError('wrong key');
  }
  if (plain !== KEY_CHECK_PLAINTEXT) throw new WrongKeyError('wrong key');
}
