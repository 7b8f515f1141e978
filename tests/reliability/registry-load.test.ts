import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { testEnv } from '../helpers/app.js';

/**
 * The registry's async side (issue 16, step 0): the first snapshot comes from `load()`, rebuilds are single
 * flight (one running, at most one waiting, serving every refresh asked for meanwhile), and the call path's
 * indexes are read with the snapshot.
 */
let app: App;
afterEach(async () => {
  await app?.close();
});

/** Counts the builds: a source's entries are asked for once per build. */
function countBuilds(target: App): () => number {
  let builds = 0;
  target.registry.addSource({
    entries: () => {
      builds++;
      return [];
    },
  });
  return () => builds;
}

describe('the registry before and after load()', () => {
  it('has no snapshot before load(): current() says what to do, refresh() does nothing', async () => {
    app = await createApp(loadConfig(testEnv()));
    expect(app.registry.loaded).toBe(false);
    expect(() => app.registry.current()).toThrow(/await registry\.load\(\)/);
    expect(await app.registry.refresh(true)).toBe(false);
    // A catalog write before load (a CLI command) builds nothing either.
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    expect(app.registry.loaded).toBe(false);
    await app.registry.load();
    expect(app.registry.loaded).toBe(true);
    expect(app.registry.current().definitions.map((d) => d.name)).toEqual(['toolwire_read_more']);
  });

  it('serves a tool once the write that created it returned', async () => {
    app = await createApp(loadConfig(testEnv()));
    await app.registry.load();
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    await app.catalog.createTool({ name: 'T', code: 't', providerCode: 'p', endpointPath: '/t' });
    expect(app.registry.current().entries.has('t')).toBe(true);
  });

  it('runs one rebuild at a time, and one more for every refresh asked for while it ran', async () => {
    app = await createApp(loadConfig(testEnv()));
    const builds = countBuilds(app);
    await app.registry.load();
    expect(builds()).toBe(1);
    const asked = Array.from({ length: 10 }, () => app.registry.refresh(true));
    expect(await Promise.all(asked)).toEqual(Array(10).fill(true));
    // The first started at once; the nine others share the one that waited behind it.
    expect(builds()).toBe(3);
    // Not forced and nothing changed: the version is read, nothing is built.
    expect(await app.registry.refresh()).toBe(false);
    expect(builds()).toBe(3);
  });

  it('loads the call path indexes with the snapshot and swaps them with it', async () => {
    app = await createApp(loadConfig(testEnv()));
    let loads = 0;
    const clients = app.registry.addIndex(async () => {
      loads++;
      return (await app.catalog.clients.listClients()).map((c) => c.name);
    });
    expect(() => clients()).toThrow(/no snapshot yet/);
    await app.registry.load();
    expect(clients()).toEqual([]);
    await app.catalog.clients.addClient({ name: 'alice' });
    // The write rebuilt the snapshot, and the index with it: read from memory, no database read here.
    expect(clients()).toEqual(['alice']);
    expect(loads).toBe(2);
    // An index added after the snapshot was built needs another load.
    const late = app.registry.addIndex(async () => 'late');
    expect(() => late()).toThrow(/added after the snapshot was built/);
    await app.registry.load();
    expect(late()).toBe('late');
  });
});
