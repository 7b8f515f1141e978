import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { createStore, type Store } from '../../src/store/index.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLog } from '../../src/core/log.js';
import { connect, makeApp, TEST_KEY, testEnv } from '../helpers/app.js';

// Issue 11: a change committed by another process must reach tools/list even when the database is
// locked by a long writer, and reading the snapshot must never wait for that writer's lock.

const POLL = { timeout: 15_000, interval: 50 };
let app: App;
let other: Store | undefined;
afterEach(async () => {
  await other?.close();
  other = undefined;
  await app?.close();
});

async function otherProcess(): Promise<{ store: Store; catalog: Catalog }> {
  // Another connection to the same file is what another toolwire process is to SQLite's locks.
  other = await createStore(app.config.dbPath, Buffer.from(TEST_KEY, 'hex'));
  return { store: other, catalog: new Catalog(other) };
}

describe('changes from another process', () => {
  it('reach tools/list while that process still holds the write lock (the read never waits for it)', async () => {
    app = await makeApp();
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    app.registry.watch(50);
    const client = await connect(app);
    // No tool yet but the answer reader every served HTTP provider comes with.
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['toolwire_read_more']);

    const { store, catalog } = await otherProcess();
    await catalog.createTool({ name: 'Late', code: 'late', providerCode: 'p', endpointPath: '/late', httpMethod: 'GET' });
    // Right after its commit (same tick, before any watcher tick) it takes the write lock and keeps it.
    await store.database.driver.exec('BEGIN IMMEDIATE');
    try {
      // With IMMEDIATE snapshot reads the watcher would block 5 s per tick here, then fail and never retry.
      await expect.poll(async () => (await client.listTools()).tools.map((t) => t.name), POLL).toEqual(['late', 'toolwire_read_more']);
    } finally {
      await store.database.driver.exec('ROLLBACK');
    }
  });

  it('a rebuild that fails is retried at the next tick, not forgotten', async () => {
    app = await makeApp();
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    let failures = 1;
    // A source that fails once, as a database error would in the middle of a rebuild.
    app.registry.addSource({
      entries: () => {
        if (failures-- > 0) throw new Error('database is locked');
        return [];
      },
    });
    const client = await connect(app);
    failures = 0;
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['toolwire_read_more']); // first build
    failures = 1;
    app.registry.watch(50);
    await (await otherProcess()).catalog.createTool({ name: 'Late', code: 'late', providerCode: 'p', endpointPath: '/late', httpMethod: 'GET' });
    await expect.poll(async () => (await client.listTools()).tools.map((t) => t.name), POLL).toEqual(['late', 'toolwire_read_more']);
    expect(failures).toBeLessThan(0); // it did fail once, and was tried again
  });
});

describe('a database file deleted or replaced while serving', () => {
  it('refuses writes with a message naming the file, and says so in the log', async () => {
    const lines: string[] = [];
    app = await createApp(
      loadConfig(testEnv()),
      createLog('warn', (line) => void lines.push(line)),
    );
    const path = app.config.dbPath;
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    rmSync(path);
    for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) rmSync(path + suffix);
    await expect(async () => app.catalog.createProvider({ name: 'Q', code: 'q', baseUrl: 'http://127.0.0.1:9' })).rejects.toThrow(
      new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was deleted.*nothing was written`),
    );
    await app.registry.checkForChanges();
    await app.registry.checkForChanges();
    expect(lines).toHaveLength(1); // said once, not every tick
    expect(lines[0]).toContain(path);
  });

  it('a file put in its place is not written into either', async () => {
    app = await makeApp();
    const path = app.config.dbPath;
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    renameSync(path, `${path}.moved`);
    writeFileSync(path, '');
    await expect(async () => app.catalog.removeProvider('p')).rejects.toThrow(/replaced by another file/);
  });
});

describe('database problems in the admin API', () => {
  it('a write lock held too long is a 503 that names the lock and says nothing was written', async () => {
    const { startAdmin } = await import('../admin/harness.js');
    const admin = await startAdmin();
    try {
      const locker = await createStore(admin.app.config.dbPath, Buffer.from('ab'.repeat(32), 'hex'));
      await locker.database.driver.exec('BEGIN IMMEDIATE');
      // The server's write waits busy_timeout (5 s) for the lock, then gives up.
      const res = await admin.call('POST', '/providers', { name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
      await locker.database.driver.exec('ROLLBACK');
      await locker.close();
      expect(res.status).toBe(503);
      expect(res.json.error).toBe('storage_unavailable');
      expect(res.json.message).toMatch(/SQLITE_BUSY.*write lock.*Nothing was written/);
      expect(res.json.message).toContain(admin.app.config.dbPath);
      expect(await admin.app.catalog.listProviders()).toEqual([]);
      // Once the lock is gone the same request succeeds.
      expect((await admin.call('POST', '/providers', { name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' })).status).toBe(201);
    } finally {
      await admin.close();
    }
  }, 30_000);

  it('a deleted database file is a 503 naming the file', async () => {
    const { startAdmin } = await import('../admin/harness.js');
    const admin = await startAdmin();
    try {
      rmSync(admin.app.config.dbPath);
      const res = await admin.call('POST', '/providers', { name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
      expect(res.status).toBe(503);
      expect(res.json.message).toContain(`${admin.app.config.dbPath} was deleted`);
    } finally {
      await admin.close();
    }
  });
});
