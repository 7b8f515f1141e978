import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ToolwireError } from '../core/errors.js';
import { parseMasterKey } from '../core/master-key.js';
import type { SqlDialect, SqlDriver, SqlExecutor } from './driver.js';
import { createKeyring, looksSealed, openWith, sealWith, type Keyring } from './secret-box.js';

/**
 * The master key of a database, and its rotation (SPEC §15).
 *
 * Two meta rows:
 * - `key_check`: a known text sealed with the current key. A key that cannot open it is refused.
 * - `key_rotation` (only between `toolwire key rotate` and `toolwire key finish`): the new key sealed
 *   with the old one (`next`) and the old key sealed with the new one (`previous`).
 *
 * The rotation re-seals every sealed value of every table and writes both rows in ONE transaction, so:
 * - killed before the commit, nothing changed: the old key opens everything;
 * - after the commit, a process holding the OLD key (a server started before, a key file not yet replaced
 *   because the rotation was killed between the commit and the rename, an environment not yet changed)
 *   finds the new key in `next`, and seals new values with it; a process holding the NEW key finds the
 *   old one in `previous`, so a value a not-yet-updated server sealed with the old key in the instant of
 *   the commit still opens. Either key opens the database until `toolwire key finish`, which re-seals
 *   those stragglers and deletes the row: from then on the old key is refused.
 * One rotation at a time: a process holding only the key from two rotations ago cannot follow.
 */

type Sqlite = BetterSqlite3.Database;

/** What a rotation needs of an open database (db.ts's OpenDatabase; declared here, as db.ts imports this file). */
export interface RotatableDatabase {
  driver: SqlDriver;
  box: Keyring;
  /** A write transaction that holds off every other catalog write, from any process or instance (db.ts). */
  write<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  hardenForRotation(): Promise<void>;
  checkpoint(): Promise<void>;
}

export const KEY_CHECK_PLAINTEXT = 'toolwire-key-check';
const CHECK_ROW = 'key_check';
const ROTATION_ROW = 'key_rotation';

/** Thrown when the master key cannot decrypt this database's check value. */
export class WrongKeyError extends ToolwireError {
  constructor(message: string) {
    super('WRONG_KEY', message);
    this.name = 'WrongKeyError';
  }
}

/** A rotation that cannot be done (a CONFIG error); the message says why and what to do, and that nothing changed. */
export class KeyRotationError extends ToolwireError {
  constructor(message: string, cause?: unknown) {
    super('CONFIG', message, cause === undefined ? {} : { cause });
    this.name = 'KeyRotationError';
  }
}

interface RotationRow {
  next: string;
  previous: string;
  rotatedAt: string;
}

function opensCheck(key: Buffer, check: string): boolean {
  try {
    return openWith(key, check) === KEY_CHECK_PLAINTEXT;
  } catch {
    return false;
  }
}

function parseRotation(value: string | undefined): RotationRow | null {
  if (value === undefined) return null;
  try {
    const row = JSON.parse(value) as Partial<RotationRow>;
    return typeof row.next === 'string' && typeof row.previous === 'string' ? (row as RotationRow) : null;
  } catch {
    return null;
  }
}

/** Adds the keys of a rotation row this ring can unwrap; true when one was new. */
function learnWrappedKeys(ring: Keyring, row: RotationRow | null): boolean {
  if (!row) return false;
  let learned = false;
  // Two passes: unwrapping one may give the key that unwraps the other.
  for (let pass = 0; pass < 2; pass++) {
    for (const wrapped of [row.next, row.previous]) {
      const plain = ring.tryOpen(wrapped);
      const key = plain === null ? null : parseMasterKey(plain);
      if (key && ring.add(key)) learned = true;
    }
  }
  return learned;
}

/**
 * The keyring of an open database: the given key, checked against `key_check` (or the key it was
 * rotated to, found in `key_rotation`). It follows later rotations by other processes: before each
 * seal it looks whether `key_check` changed, and when no key held opens a value it looks for new keys.
 */
export async function openKeyring(db: SqlExecutor, key: Buffer): Promise<Keyring> {
  const metaValue = async (row: string) => (await db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [row]))?.value;
  if ((await metaValue(CHECK_ROW)) === undefined) {
    await db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [CHECK_ROW, sealWith(key, KEY_CHECK_PLAINTEXT)]);
  }
  /** The key_check value the primary key was last verified against. */
  let verified: string | null = null;
  const sync = async (): Promise<boolean> => {
    const check = await metaValue(CHECK_ROW);
    let changed = learnWrappedKeys(ring, parseRotation(await metaValue(ROTATION_ROW)));
    const current = check === undefined ? undefined : ring.keys().find((k) => opensCheck(k, check));
    if (current) {
      if (!current.equals(ring.primary())) {
        ring.promote(current);
        changed = true;
      }
      verified = check as string;
    }
    return changed;
  };
  const ring = createKeyring(key, {
    sync,
    async beforeSeal() {
      if ((await metaValue(CHECK_ROW)) === verified) return;
      await sync();
      if ((await metaValue(CHECK_ROW)) !== verified) {
        throw new Error(
          'The master key of this database was rotated again and none of the keys this process holds opens it any more: restart it with the current key (TOOLWIRE_SECRET_KEY or the key file).',
        );
      }
    },
  });
  await sync();
  if (verified === null) throw new WrongKeyError('wrong key');
  return ring;
}

/**
 * Whether an existing database already belongs to a master key: its `key_check` or `key_rotation` row,
 * or any sealed value (a database written before `key_check` existed has only those). Read without a
 * key and without writing (the file is opened read-only), so a start without the key can refuse before
 * a new key file is made. A file that is not a readable database says no here; opening it for real then
 * says what is wrong with it.
 */
export function databaseHasKey(dbPath: string): boolean {
  if (dbPath === ':memory:' || !existsSync(dbPath)) return false;
  let sqlite: Sqlite | null = null;
  try {
    const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
    sqlite = db;
    // The meta rows first (one indexed read); otherwise any sealed value, meta's own included.
    const tables = sealedTables(
      (db.pragma('table_list') as TableListRow[]).map((t) => ({
        ...t,
        columns: (db.pragma(`table_info(${quote(t.name)})`) as Array<{ name: string }>).map((c) => c.name),
      })),
      'sqlite',
    );
    const keyRows = `SELECT 1 FROM meta WHERE key IN ('${CHECK_ROW}', '${ROTATION_ROW}') LIMIT 1`;
    if (tables.some((t) => t.name === 'meta') && db.prepare(keyRows).get() !== undefined) return true;
    return tables.some(({ name, where }) => db.prepare(`SELECT 1 FROM ${quote(name)} WHERE ${where} LIMIT 1`).get() !== undefined);
  } catch {
    return false;
  } finally {
    sqlite?.close();
  }
}

interface TableListRow {
  schema: string;
  name: string;
  type: string;
  wr: number;
}

interface SealedTable {
  name: string;
  columns: string[];
  where: string;
  withoutRowid: boolean;
}

/**
 * The tables and their columns, read through the driver: SQLite's table-valued pragma functions; on
 * PostgreSQL the text columns of the schema's tables (a sealed value is text; the others cannot hold one).
 */
async function tableShapes(db: SqlExecutor): Promise<Array<TableListRow & { columns: string[] }>> {
  if (db.dialect === 'postgres') {
    const rows = await db.all<{ table_name: string; column_name: string }>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
       WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.data_type = 'text'
       ORDER BY c.table_name, c.ordinal_position`,
    );
    const byTable = new Map<string, string[]>();
    for (const row of rows) byTable.set(row.table_name, [...(byTable.get(row.table_name) ?? []), row.column_name]);
    return [...byTable].map(([name, columns]) => ({ schema: 'main', name, type: 'table', wr: 0, columns }));
  }
  const tables = await db.all<TableListRow>('SELECT schema, name, type, wr FROM pragma_table_list');
  const shapes: Array<TableListRow & { columns: string[] }> = [];
  for (const table of tables) {
    if (table.schema !== 'main') continue;
    const columns = (await db.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table.name])).map((c) => c.name);
    shapes.push({ ...table, columns });
  }
  return shapes;
}

/** Every table of the database with the condition that finds its sealed values (by content, as rotation does). */
function sealedTables(shapes: Array<TableListRow & { columns: string[] }>, dialect: SqlDialect): SealedTable[] {
  const tables = shapes.filter((t) => t.schema === 'main' && t.type === 'table' && !t.name.startsWith('sqlite_'));
  return tables.flatMap((table) => {
    const columns = table.columns;
    if (columns.length === 0) return [];
    // The shape `looksSealed` accepts: the prefix and at least 40 characters of nonce, tag and text. SQLite
    // columns may hold any type; PostgreSQL's shapes list text columns only.
    const isText = (c: string) => (dialect === 'sqlite' ? `typeof(${quote(c)}) = 'text' AND ` : '');
    const candidates = columns.map((c) => `(${isText(c)}${quote(c)} LIKE 'v1:%' AND length(${quote(c)}) >= 43)`).join(' OR ');
    const skipKeys = table.name === 'meta' ? ` AND key NOT IN ('${CHECK_ROW}', '${ROTATION_ROW}')` : '';
    return [{ name: table.name, columns, where: `(${candidates})${skipKeys}`, withoutRowid: table.wr !== 0 }];
  });
}

/** Whether a `toolwire key rotate` is waiting for `toolwire key finish`. */
export async function rotationPending(db: SqlExecutor): Promise<boolean> {
  return (await db.get('SELECT 1 AS found FROM meta WHERE key = ?', [ROTATION_ROW])) !== undefined;
}

/** Where sealed values were re-sealed, e.g. `{ "providers.api_key_value_enc": 3 }`. */
export type ResealCounts = Record<string, number>;

/**
 * Re-seals, in place, every sealed value of every table that `pick` returns a new sealing for.
 * Sealed values are found by content, not by a list of columns: any text that opens with a key held
 * is a secret, wherever a future migration puts it. A value in a `*_enc` column that no key opens
 * aborts (the caller's transaction rolls back). The two key rows of `meta` are left to the caller.
 */
async function resealEverything(db: SqlExecutor, ring: Keyring, pick: (sealed: string) => string | null): Promise<ResealCounts> {
  const counts: ResealCounts = {};
  // A row's address: SQLite's rowid, PostgreSQL's ctid (stable within the transaction until the row's own
  // update, which is why each row is updated once, all its columns together).
  const address = db.dialect === 'postgres' ? { select: 'ctid::text', where: 'ctid = CAST(? AS tid)' } : { select: 'rowid', where: 'rowid = ?' };
  for (const table of sealedTables(await tableShapes(db), db.dialect)) {
    const columns = table.columns;
    const rows = await db.all<Record<string, unknown>>(`SELECT ${address.select} AS __rowid, * FROM ${quote(table.name)} WHERE ${table.where}`);
    if (rows.length > 0 && table.withoutRowid) {
      throw new KeyRotationError(`The table ${table.name} holds sealed values but has no rowid; key rotation does not support it yet. Nothing was changed.`);
    }
    for (const row of rows) {
      const changed: Array<[string, string]> = [];
      for (const column of columns) {
        const value = row[column];
        if (!looksSealed(value)) continue;
        const resealed = pick(value);
        if (resealed === null) {
          if (column.endsWith('_enc') && ring.tryOpen(value) === null) {
            throw new KeyRotationError(
              `A secret in ${table.name}.${column} (row ${String(row.__rowid)}) does not open with the database's key: it may be damaged. Nothing was changed; restore the database from a backup or remove that secret, then rotate again.`,
            );
          }
          continue;
        }
        changed.push([column, resealed]);
        const where = `${table.name}.${column}`;
        counts[where] = (counts[where] ?? 0) + 1;
      }
      if (changed.length === 0) continue;
      const assignments = changed.map(([column]) => `${quote(column)} = ?`).join(', ');
      await db.run(`UPDATE ${quote(table.name)} SET ${assignments} WHERE ${address.where}`, [...changed.map(([, value]) => value), row.__rowid]);
    }
  }
  return counts;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

async function busyAware<T>(fn: () => Promise<T>, what: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new KeyRotationError(`The database is busy: another process kept it locked for writing. Nothing was changed; run \`toolwire ${what}\` again.`, err);
    }
    throw err;
  }
}

/**
 * Re-seals every secret with newKey and records the rotation, in one IMMEDIATE transaction.
 * The keyring then seals with newKey. Throws KeyRotationError (nothing changed) when it cannot.
 */
export async function rotateKey(database: RotatableDatabase, newKey: Buffer): Promise<ResealCounts> {
  const { box: ring } = database;
  await database.hardenForRotation();
  const counts = await busyAware(
    () =>
      database.write(async (tx) => {
        await ring.refresh();
        const old = ring.primary();
        if (old.equals(newKey)) {
          throw new KeyRotationError(
            'TOOLWIRE_NEW_SECRET_KEY is already the master key of this database. Nothing was changed; make a new key with `openssl rand -base64 32`.',
          );
        }
        if (ring.keys().some((k) => k.equals(newKey))) {
          throw new KeyRotationError(
            'TOOLWIRE_NEW_SECRET_KEY is a key this database had before. Nothing was changed; make a new key with `openssl rand -base64 32`.',
          );
        }
        // One rotation at a time: a second would retire a key that running servers and the environment still hold.
        if (await rotationPending(tx)) {
          throw new KeyRotationError(
            'A rotation is still pending: the previous key still opens this database. Restart every server with the current key, run `toolwire key finish`, then rotate again. Nothing was changed.',
          );
        }
        const counts = await resealEverything(tx, ring, (sealed) => {
          const plain = ring.tryOpen(sealed);
          return plain === null ? null : sealWith(newKey, plain);
        });
        const upsert = 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
        await tx.run(upsert, [CHECK_ROW, sealWith(newKey, KEY_CHECK_PLAINTEXT)]);
        const row: RotationRow = {
          next: sealWith(old, newKey.toString('base64')),
          previous: sealWith(newKey, old.toString('base64')),
          rotatedAt: new Date().toISOString(),
        };
        await tx.run(upsert, [ROTATION_ROW, JSON.stringify(row)]);
        return counts;
      }),
    'key rotate',
  );
  ring.promote(newKey);
  await ring.refresh();
  await database.checkpoint();
  return counts;
}

/**
 * Ends a rotation: re-seals with the current key any value still sealed with the previous one (written
 * by a server in the instant of the rotation), then deletes the wrapped keys, so the previous key no
 * longer opens the database. Null when no rotation was pending.
 */
export async function finishRotation(database: RotatableDatabase, givenKey: Buffer): Promise<ResealCounts | null> {
  const { box: ring } = database;
  await database.hardenForRotation();
  const counts = await busyAware(
    () =>
      database.write(async (tx) => {
        await ring.refresh();
        if (!(await rotationPending(tx))) return null;
        const current = ring.primary();
        if (!givenKey.equals(current)) {
          throw new KeyRotationError(
            'The master key given (TOOLWIRE_SECRET_KEY or the key file) is the one from before the rotation: finishing would lock it out. Nothing was changed; give the new key first, then run `toolwire key finish`.',
          );
        }
        const counts = await resealEverything(tx, ring, (sealed) => {
          try {
            openWith(current, sealed);
            return null;
          } catch {
            const plain = ring.tryOpen(sealed);
            return plain === null ? null : sealWith(current, plain);
          }
        });
        await tx.run('DELETE FROM meta WHERE key = ?', [ROTATION_ROW]);
        return counts;
      }),
    'key finish',
  );
  if (counts) await database.checkpoint();
  return counts;
}

/**
 * Replaces the key file atomically: a new 0600 file beside it, fsynced, renamed over it, and the folder
 * fsynced, so a crash leaves either the old key or the new one, never a partial file.
 */
export function replaceKeyFile(path: string, key: Buffer): void {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, `${key.toString('base64')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename is still atomic.
  }
}
