import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { storageError } from '../../src/catalog/storage-error.js';
import { maskUrl } from '../../src/core/database-target.js';
import { createStore } from '../../src/store/index.js';
import { TEST_KEY } from '../helpers/app.js';
import { privateServer } from '../helpers/postgres.js';

// A server of this file's own: the test stops it under a running store, then starts it again.
const server = await privateServer();

describe('the store on PostgreSQL while its server is down', () => {
  it('refuses writes with a STORAGE error naming the masked URL, writes nothing, and works again once the server is back', async () => {
    const display = maskUrl(server.url);
    const store = await createStore({ dialect: 'postgres', url: server.url, display }, Buffer.from(TEST_KEY, 'hex'), { poolSize: 2 });
    try {
      const catalog = new Catalog(store);
      await catalog.createProvider({ name: 'Before', code: 'before', baseUrl: 'http://127.0.0.1:9' });
      await server.stop();
      const write = await catalog.createProvider({ name: 'During', code: 'during', baseUrl: 'http://127.0.0.1:9' }).catch((e: unknown) => e);
      expect(write).toMatchObject({ code: 'STORAGE', message: expect.stringContaining(`The database ${display} cannot be reached`) });
      // A read outside a transaction throws the driver's error; the HTTP layer words it the same way.
      const read = await store.providers.list().catch((e: unknown) => e);
      expect(storageError(read, display)).toMatchObject({ code: 'STORAGE', message: expect.stringContaining(display) });
      if (server.url !== display) expect((write as Error).message).not.toContain(server.url);
      await server.start();
      await catalog.createProvider({ name: 'After', code: 'after', baseUrl: 'http://127.0.0.1:9' });
      expect((await catalog.listProviders()).map((p) => p.code)).toEqual(['before', 'after']);
    } finally {
      await store.close();
    }
  });
});
