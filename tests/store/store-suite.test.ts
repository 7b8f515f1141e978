import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import type { DatabaseTarget } from '../../src/core/database-target.js';
import { maskUrl } from '../../src/core/database-target.js';
import { createStore, type Store } from '../../src/store/index.js';
import { tempDir, TEST_KEY } from '../helpers/app.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * The store through `createStore`, on SQLite and on PostgreSQL: the same calls, the same answers. Each test
 * opens its own empty database (a SQLite file, or one of the PostgreSQL databases made for this file).
 */

const KEY = Buffer.from(TEST_KEY, 'hex');
const PG_DATABASES = 12;
const pgUrls = await Promise.all(Array.from({ length: PG_DATABASES }, () => freshDatabase()));

type Dialect = DatabaseTarget['dialect'];
const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** A new empty database of the dialect. */
function newTarget(dialect: Dialect): DatabaseTarget {
  if (dialect === 'sqlite') {
    const path = join(tempDir(), 'toolwire.db');
    return { dialect, path, display: path };
  }
  const url = pgUrls.shift();
  if (!url) throw new Error(`store-suite.test.ts needs more PostgreSQL databases: raise PG_DATABASES (${PG_DATABASES}).`);
  return { dialect, url, display: maskUrl(url) };
}

async function open(target: DatabaseTarget, key = KEY): Promise<Store> {
  const store = await createStore(target, key, { poolSize: 4 });
  opened.push(store);
  return store;
}

describe.each(['sqlite', 'postgres'] as const)('the store on %s', (dialect) => {
  it('creates, reads, updates and removes providers and tools, with revisions and removals', async () => {
    const store = await open(newTarget(dialect));
    expect(store.dialect).toBe(dialect);
    expect(store.fileProblem()).toBeNull();
    const catalog = new Catalog(store);
    const provider = await catalog.createProvider({ name: 'Weather', code: 'weather', baseUrl: 'http://127.0.0.1:9', enabled: true });
    expect(provider).toMatchObject({ id: expect.any(Number), code: 'weather', enabled: true, kind: 'http', baseUrl: 'http://127.0.0.1:9' });
    const seq0 = await store.tools.changeSeq();
    const tool = await catalog.createTool({ name: 'Forecast', code: 'forecast', providerCode: 'weather', endpointPath: '/f' });
    expect(tool).toMatchObject({ code: 'forecast', providerCode: 'weather', enabled: true, parameters: [] });
    expect(await store.tools.changeSeq()).toBe(seq0 + 1);
    const seq1 = await store.tools.changeSeq();
    await catalog.updateTool('forecast', { name: 'Forecast 2', code: 'forecast', providerCode: 'weather', endpointPath: '/g' });
    expect((await store.tools.changesSince(seq1)).changed.map((t) => t.name)).toEqual(['Forecast 2']);
    const other = await catalog.createTool({ name: 'Other', code: 'other', providerCode: 'weather', endpointPath: '/o' });
    const seq2 = await store.tools.changeSeq();
    await catalog.removeTool('other');
    expect(await store.tools.changesSince(seq2)).toEqual({ changed: [], removed: [other.id] });
    expect((await catalog.listTools()).map((t) => t.code)).toEqual(['forecast']);
    expect(await store.tools.findByCode('forecast')).toMatchObject({ endpointPath: '/g' });
    expect(await store.tools.listByProvider(provider.id)).toHaveLength(1);
    expect(await store.providers.findByCode('weather')).toMatchObject({ id: provider.id });
    await catalog.removeProvider('weather');
    expect(await catalog.listProviders()).toEqual([]);
    expect(await catalog.listTools()).toEqual([]);
  });
});
