import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDriver } from '../../src/store/driver.js';
import { createPgDriver } from '../../src/store/pg-driver.js';
import { openWith, sealWith } from '../../src/store/secret-box.js';
import { createSharedTokenStore, type FetchedSharedToken, type SharedTokenStore } from '../../src/store/shared-tokens.js';
import { freshDatabase } from '../helpers/postgres.js';

// The table as migration 12 adds it on PostgreSQL (the lead places it; created here until then).
const DDL = `CREATE TABLE shared_tokens (
  slot text PRIMARY KEY,
  token_enc text NOT NULL,
  expires_at bigint NOT NULL,
  refresh_at bigint NOT NULL,
  fetched_at bigint NOT NULL
)`;

const key = randomBytes(32);
const seal = { seal: (plain: string) => sealWith(key, plain), open: (sealed: string) => openWith(key, sealed) };

/** A token endpoint: counts its fetches, answers after `delayMs` (the time others queue on the lock), or fails. */
function tokenEndpoint(options: { delayMs?: number; fail?: boolean; lifetimeMs?: number } = {}) {
  let fetches = 0;
  const fetch = async (): Promise<FetchedSharedToken> => {
    fetches++;
    const n = fetches;
    await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 30));
    if (options.fail) throw new Error('token endpoint down');
    const lifetime = options.lifetimeMs ?? 60_000;
    return { token: `token-${n}-${randomBytes(4).toString('hex')}`, expiresAt: Date.now() + lifetime, refreshAt: Date.now() + lifetime / 2 };
  };
  return { fetch, fetches: () => fetches };
}

describe('shared tokens on PostgreSQL: one fetch for every instance', () => {
  let url: string;
  /** Three "instances": a pool each (the design's token pool, max 4). */
  const drivers: SqlDriver[] = [];
  let stores: SharedTokenStore[];

  beforeAll(async () => {
    url = await freshDatabase();
    for (let i = 0; i < 3; i++) drivers.push(await createPgDriver(url, { poolSize: 4, applicationName: `toolwire-test-${i}` }));
    await drivers[0]?.exec(DDL);
    stores = drivers.map((d) => createSharedTokenStore(d, { seal }));
  });

  afterAll(async () => {
    for (const d of drivers) await d.close();
  });

  const store = (i: number): SharedTokenStore => {
    const s = stores[i];
    if (!s) throw new Error(`no store ${i}`);
    return s;
  };

  it('3 pools × 8 concurrent cold calls fetch exactly once, and all get that token', async () => {
    const endpoint = tokenEndpoint({ delayMs: 50 });
    const calls = Array.from({ length: 24 }, (_, i) => store(i % 3).fetchOnce('provider:7', endpoint.fetch));
    const tokens = await Promise.all(calls);
    expect(endpoint.fetches()).toBe(1);
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    // Another instance reads it without a fetch.
    const warm = await store(2).get('provider:7');
    expect(warm?.token).toBe(tokens[0]?.token);
  });

  it('keeps the token sealed in the table', async () => {
    const endpoint = tokenEndpoint();
    const { token } = await store(0).fetchOnce('provider:sealed', endpoint.fetch);
    const row = await drivers[1]?.get<{ token_enc: string }>('SELECT token_enc FROM shared_tokens WHERE slot = ?', ['provider:sealed']);
    expect(row?.token_enc).toBeDefined();
    expect(row?.token_enc).not.toContain(token);
    expect(openWith(key, row?.token_enc ?? '')).toBe(token);
  });

  it('get: nothing for a cold slot, nothing once expired; a due refresh is fetched once across instances', async () => {
    expect(await store(0).get('provider:cold')).toBeUndefined();
    let clock = Date.now();
    const timed = drivers.map((d) => createSharedTokenStore(d, { seal, now: () => clock }));
    const first = tokenEndpoint();
    const old = await timed[0]?.fetchOnce('provider:due', first.fetch);
    expect(old).toBeDefined();
    // Past refreshAt, before expiresAt: still usable, and due.
    clock = (old?.refreshAt ?? 0) + 1;
    expect((await timed[1]?.get('provider:due'))?.token).toBe(old?.token);
    const second = tokenEndpoint({ delayMs: 40 });
    const renewed = await Promise.all(timed.flatMap((s) => [s.fetchOnce('provider:due', second.fetch), s.fetchOnce('provider:due', second.fetch)]));
    expect(second.fetches()).toBe(1);
    expect(new Set(renewed.map((t) => t.token))).toEqual(new Set([renewed[0]?.token]));
    expect(renewed[0]?.token).not.toBe(old?.token);
    // Past expiresAt: gone for get.
    clock = (renewed[0]?.expiresAt ?? 0) + 1;
    expect(await timed[2]?.get('provider:due')).toBeUndefined();
  });

  it('invalidate deletes only the stale token: a token another instance just fetched stays', async () => {
    const endpoint = tokenEndpoint();
    const stale = await store(0).fetchOnce('provider:401', endpoint.fetch);
    // Instance 1 saw a 401 first: it invalidates and fetches a new one.
    expect(await store(1).invalidate('provider:401', stale.token)).toBe(true);
    const fresh = await store(1).fetchOnce('provider:401', endpoint.fetch);
    expect(fresh.token).not.toBe(stale.token);
    // Instance 2's 401 for the same stale token arrives late: the new token is kept.
    expect(await store(2).invalidate('provider:401', stale.token)).toBe(false);
    expect((await store(0).get('provider:401'))?.token).toBe(fresh.token);
    expect(endpoint.fetches()).toBe(2);
    expect(await store(0).invalidate('provider:nothing-here', 'x')).toBe(false);
  });

  it('a failed fetch stores nothing and throws to every waiter; the next call fetches again', async () => {
    const failing = tokenEndpoint({ fail: true });
    const results = await Promise.allSettled([store(0).fetchOnce('provider:down', failing.fetch), store(0).fetchOnce('provider:down', failing.fetch)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failing.fetches()).toBe(1); // one in flight per instance
    expect(await store(1).get('provider:down')).toBeUndefined();
    const working = tokenEndpoint();
    const token = await store(1).fetchOnce('provider:down', working.fetch);
    expect(working.fetches()).toBe(1);
    expect((await store(2).get('provider:down'))?.token).toBe(token.token);
  });

  it('a row this instance cannot open (another key) counts as absent: fetched again, and invalidated as stale', async () => {
    const other = randomBytes(32);
    const foreign = createSharedTokenStore(drivers[2] as SqlDriver, {
      seal: { seal: (plain: string) => sealWith(other, plain), open: (sealed: string) => openWith(other, sealed) },
    });
    const endpoint = tokenEndpoint();
    await store(0).fetchOnce('provider:rekeyed', endpoint.fetch);
    expect(await foreign.get('provider:rekeyed')).toBeUndefined();
    expect(await foreign.invalidate('provider:rekeyed', 'whatever it held')).toBe(true);
    expect(await store(0).get('provider:rekeyed')).toBeUndefined();
    const mine = await foreign.fetchOnce('provider:rekeyed', endpoint.fetch);
    expect((await foreign.get('provider:rekeyed'))?.token).toBe(mine.token);
    expect(endpoint.fetches()).toBe(2);
  });

  it('a caller that waits longer than lockTimeoutMs for another instance gets a clear AUTH_FETCH error', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow = async (): Promise<FetchedSharedToken> => {
      entered();
      await held;
      return { token: 'slow-token', expiresAt: Date.now() + 60_000, refreshAt: Date.now() + 30_000 };
    };
    const holder = store(0).fetchOnce('provider:stuck', slow);
    await inside; // instance 0 holds the slot's lock
    const impatient = createSharedTokenStore(drivers[1] as SqlDriver, { seal, lockTimeoutMs: 100 });
    const waited = impatient.fetchOnce('provider:stuck', tokenEndpoint().fetch);
    await expect(waited).rejects.toMatchObject({ code: 'AUTH_FETCH', message: expect.stringContaining('another toolwire instance') });
    release();
    expect((await holder).token).toBe('slow-token');
  });
});
