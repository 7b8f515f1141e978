import { afterAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { parseDatabaseTarget } from '../../src/core/database-target.js';
import { createChangeFeed } from '../../src/store/change-feed.js';
import { createStore, type Store } from '../../src/store/index.js';
import { TEST_KEY } from '../helpers/app.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * The change feed a PostgreSQL instance follows (store/change-feed.ts): a signal whose refresh fails (the
 * database blinked during the rebuild) is not lost. The registry tells the feed (missed), which signals again
 * at its next safety poll even though the version has not moved since.
 */

const url = await freshDatabase();
const stores: Store[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

describe('the PostgreSQL change feed', () => {
  it('signals again after a refresh that failed, though nothing changed since', async () => {
    const store = await createStore(parseDatabaseTarget(url, 'TOOLWIRE_DB'), Buffer.from(TEST_KEY, 'hex'));
    stores.push(store);
    const feed = await createChangeFeed(store, { url });
    let signals = 0;
    await feed.start(async () => {
      signals++;
      if (signals === 1) {
        feed.missed();
        throw new Error('the rebuild failed');
      }
    });
    try {
      await new Catalog(store).createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
      await expect.poll(() => signals, { timeout: 10_000, interval: 20 }).toBe(2);
    } finally {
      await feed.stop();
    }
  });

  it('on SQLite is the data_version poll (createChangeFeed needs no URL there)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const path = join(mkdtempSync(join(tmpdir(), 'toolwire-feed-')), 'feed.db');
    const store = await createStore(path, Buffer.from(TEST_KEY, 'hex'));
    const writer = await createStore(path, Buffer.from(TEST_KEY, 'hex'));
    stores.push(store, writer);
    const feed = await createChangeFeed(store, { intervalMs: 20 });
    let signals = 0;
    await feed.start(() => {
      signals++;
    });
    try {
      await expect.poll(() => signals, { timeout: 10_000 }).toBe(1); // the first tick: the version is not known yet
      await new Catalog(writer).createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
      await expect.poll(() => signals, { timeout: 10_000 }).toBe(2);
    } finally {
      await feed.stop();
    }
  });
});
