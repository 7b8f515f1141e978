import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqlDriver } from '../../src/store/driver.js';
import { sqliteDriver } from '../../src/store/sqlite-driver.js';
import { tempDir } from '../helpers/app.js';

/**
 * The driver contract (src/store/driver.ts) on SQLite: one connection behind one queue; statements from a
 * transaction's async context run in it, other flows wait for it; nested transactions join; leftovers of a
 * finished transaction fall back to the queue.
 */
let driver: SqlDriver;
afterEach(async () => {
  await driver?.close();
});

async function open(): Promise<SqlDriver> {
  const raw = new BetterSqlite3(join(tempDir(), 'driver.db'));
  raw.pragma('journal_mode = WAL');
  driver = sqliteDriver(raw);
  await driver.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE)');
  return driver;
}

const names = async () => (await driver.all<{ name: string }>('SELECT name FROM t ORDER BY id')).map((r) => r.name);
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the SQLite driver', () => {
  it('runs ? and @name placeholders, RETURNING and run().changes', async () => {
    const db = await open();
    const inserted = await db.get<{ id: number }>('INSERT INTO t (name) VALUES (@name) RETURNING id', { name: 'a' });
    expect(inserted).toEqual({ id: 1 });
    expect(await db.get('INSERT INTO t (name) VALUES (?)', ['b'])).toBeUndefined();
    expect((await db.run('UPDATE t SET name = name || ?', ['!'])).changes).toBe(2);
    expect(await names()).toEqual(['a!', 'b!']);
    expect(db.dialect).toBe('sqlite');
  });

  it('runs a root statement issued inside a transaction in it: rolled back with it', async () => {
    const db = await open();
    await expect(
      db.transaction(async () => {
        await db.run('INSERT INTO t (name) VALUES (?)', ['inside']);
        expect(await names()).toEqual(['inside']); // the root driver sees the transaction's own row
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await names()).toEqual([]);
  });

  it('keeps another flow out of an open transaction: it waits, and is neither rolled back nor lost', async () => {
    const db = await open();
    const rolledBack = db
      .transaction(async (tx) => {
        await tx.run('INSERT INTO t (name) VALUES (?)', ['tx']);
        await later(30);
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    const outside = db.run('INSERT INTO t (name) VALUES (?)', ['outside']);
    expect(await rolledBack).toBe('rolled back');
    await outside;
    expect(await names()).toEqual(['outside']);
  });

  it('joins a nested transaction or read to the outer transaction', async () => {
    const db = await open();
    await expect(
      db.transaction(async () => {
        await db.transaction(async (tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['nested']));
        expect(await db.read(async (tx) => tx.all('SELECT name FROM t'))).toEqual([{ name: 'nested' }]);
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await names()).toEqual([]);
  });

  it('sends what is left of a finished transaction (a timer made inside it) to the queue, not into the ended transaction', async () => {
    const db = await open();
    let leftover: Promise<unknown> = Promise.resolve();
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (name) VALUES (?)', ['first']);
      leftover = new Promise((resolve, reject) => {
        setTimeout(() => db.run('INSERT INTO t (name) VALUES (?)', ['leftover']).then(resolve, reject), 20);
      });
    });
    // A second transaction is open when the timer fires: the leftover waits for it and survives its rollback.
    const second = db
      .transaction(async (tx) => {
        await tx.run('INSERT INTO t (name) VALUES (?)', ['second']);
        await later(60);
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    expect(await second).toBe('rolled back');
    await leftover;
    expect(await names()).toEqual(['first', 'leftover']);
  });

  it('reports a failed statement to its caller and keeps the queue going', async () => {
    const db = await open();
    await db.run('INSERT INTO t (name) VALUES (?)', ['a']);
    await expect(db.run('INSERT INTO t (name) VALUES (?)', ['a'])).rejects.toThrow(/UNIQUE/);
    await expect(db.transaction(async (tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['a']))).rejects.toThrow(/UNIQUE/);
    await db.run('INSERT INTO t (name) VALUES (?)', ['b']);
    expect(await names()).toEqual(['a', 'b']);
  });
});
