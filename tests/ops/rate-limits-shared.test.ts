import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY, tempDir, testEnv } from '../helpers/app.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { freshDatabase } from '../helpers/postgres.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { createRateLimiter, limitMessage, SLOT_MS } from '../../src/ops/rate-limits.js';
import { callTool, clientFor } from './harness.js';

/**
 * Rate limits across instances (SPEC §12, §13): several toolwire instances on one database share their
 * counts off the call path (every 200 ms), so a limit holds across them, overshot at most by what the
 * others let through before their counts were read. The audit log is shared the same way: one table.
 */

const pgUrl = await freshDatabase();

describe('the shared counts (two limiters, an injected clock)', () => {
  const limits = (clients: Record<string, number>) => () => ({ tools: new Map(), providers: new Map(), clients: new Map(Object.entries(clients)) });

  it('adds the other instances’ calls to its own, and says when the oldest of them leaves the window', () => {
    let now = 1_000_000;
    const a = createRateLimiter(limits({ carol: 5 }), () => now);
    const b = createRateLimiter(limits({ carol: 5 }), () => now);
    for (let i = 0; i < 3; i++) expect(a.admit('t', 'p', 'carol')).toBeNull();
    const counts = a.shared.take(now);
    expect(counts).toEqual([{ key: 'client:carol', slot: now - (now % SLOT_MS), n: 3 }]);
    expect(a.shared.take(now)).toEqual([]); // nothing new since
    b.shared.seeOthers(counts);
    now += 1_000;
    expect(b.admit('t', 'p', 'carol')).toBeNull();
    expect(b.admit('t', 'p', 'carol')).toBeNull();
    // 2 here + 3 there: the next fits when B's own first call leaves the window.
    expect(b.admit('t', 'p', 'carol')).toEqual({ kind: 'client', name: 'carol', perMinute: 5, retryAfterMs: 60_000 });
    now += 1_000;
    expect(a.admit('t', 'p', 'carol')).toBeNull();
    expect(a.admit('t', 'p', 'carol')).toBeNull();
    const c = createRateLimiter(limits({ carol: 5 }), () => now);
    c.shared.seeOthers(a.shared.take(now)); // A's five, all in one slot
    const refusal = c.admit('t', 'p', 'carol');
    // A's calls are counted until their slot's end leaves the window: 1,000,000 + 10 s + 60 s.
    expect(refusal).toEqual({ kind: 'client', name: 'carol', perMinute: 5, retryAfterMs: 1_070_000 - now });
    expect(limitMessage(refusal!)).toBe('Rate limit reached: client "carol" allows 5 call(s) a minute. Nothing was sent to the API. Retry in 68 second(s).');
    now = 1_070_000;
    expect(c.admit('t', 'p', 'carol')).toBeNull();
  });

  it('takes again the counts a failed write did not store, as whole counts (a second write changes nothing)', () => {
    let now = 0;
    const a = createRateLimiter(limits({ carol: 10 }), () => now);
    a.admit('t', 'p', 'carol');
    const first = a.shared.take(now);
    a.shared.unsent(first);
    now = 1;
    a.admit('t', 'p', 'carol');
    expect(a.shared.take(now)).toEqual([{ key: 'client:carol', slot: 0, n: 2 }]);
    expect(a.shared.limited()).toBe(true);
    expect(createRateLimiter(limits({})).shared.limited()).toBe(false);
  });
});

const TARGETS = [['sqlite'], ['postgres']] as const;

describe.each(TARGETS)('three instances on one %s database', (target) => {
  let upstream: Upstream;
  const servers: InProcessServer[] = [];
  const env = target === 'sqlite' ? testEnv(tempDir()) : { TOOLWIRE_DB: pgUrl, TOOLWIRE_SECRET_KEY: TEST_KEY, TOOLWIRE_LOG_LEVEL: 'silent' };
  const owner = (s: InProcessServer) => ({ authorization: `Bearer ${s.token}` });
  /** A client with a limit, made through the first instance's admin API and known to every instance. */
  const limitedClient = async (name: string, perMinute: number): Promise<string> => {
    const [first] = servers as [InProcessServer];
    const created = await fetchJson(`${first.base}/admin/clients`, 'POST', { name, rateLimit: { perMinute } }, owner(first));
    expect(created.status, created.text).toBe(201);
    for (const s of servers) await s.app.registry.refresh();
    return created.json.token as string;
  };
  const syncAll = async () => {
    for (const s of servers) await s.app.ops.syncRateCounts();
    for (const s of servers) await s.app.ops.syncRateCounts(); // the first instance reads what the last wrote
  };

  beforeAll(async () => {
    upstream = await startUpstream();
    for (let i = 0; i < 3; i++) servers.push(await startInProcess(env));
    const [first] = servers as [InProcessServer];
    await first.app.catalog.createProvider({ name: 'Shared', code: 'shared', baseUrl: upstream.url });
    await first.app.catalog.createTool({ name: 'go', code: 'shared-go', providerCode: 'shared', endpointPath: '/go' });
    for (const s of servers) await s.app.registry.refresh();
  });

  afterAll(async () => {
    for (const s of servers) await s.close();
    await upstream?.close();
  });

  it('holds a 10/minute client limit across the instances once their counts are shared, with today’s refusal', async () => {
    const token = await limitedClient('carol', 10);
    const clients = await Promise.all(servers.map((s) => clientFor(s.url, token, 'legacy')));
    try {
      const before = upstream.requests.length;
      const accepted: boolean[] = [];
      // 4 calls through the first, 3 through the second, 3 through the third, sharing between each.
      for (const [i, n] of [4, 3, 3].entries()) {
        for (let k = 0; k < n; k++) accepted.push(!(await callTool(clients[i]!, 'shared-go')).isError);
        await syncAll();
      }
      expect(accepted).toEqual(Array(10).fill(true));
      for (const client of clients) {
        const refused = await callTool(client, 'shared-go');
        expect(refused.isError).toBe(true);
        expect(refused.text).toMatch(
          /^Rate limit reached: client "carol" allows 10 call\(s\) a minute\. Nothing was sent to the API\. Retry in \d+ second\(s\)\.$/,
        );
      }
      expect(upstream.requests.length).toBe(before + 10);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('overshoots a limit by at most what the other instances let through before their counts were read', async () => {
    const token = await limitedClient('dave', 10);
    const clients = await Promise.all(servers.map((s) => clientFor(s.url, token, 'legacy')));
    try {
      // 30 calls round robin with the timer sharing: however they fall against the 200 ms syncs, at least
      // the limit and at most every instance's full limit (the worst case: no count read before all ran).
      let accepted = 0;
      for (let k = 0; k < 30; k++) if (!(await callTool(clients[k % 3]!, 'shared-go')).isError) accepted++;
      expect(accepted).toBeGreaterThanOrEqual(10);
      expect(accepted).toBeLessThanOrEqual(30);
      // Once shared, every instance refuses.
      await syncAll();
      for (const client of clients) expect((await callTool(client, 'shared-go')).isError).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('lists every instance’s audit entries on each instance (GET /admin/audit)', async () => {
    const token = await limitedClient('erin', 100);
    const clients = await Promise.all(servers.map((s) => clientFor(s.url, token, 'legacy')));
    try {
      for (const [i, client] of clients.entries()) for (let k = 0; k <= i; k++) expect((await callTool(client, 'shared-go')).isError).toBe(false);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    for (const s of servers) await s.app.ops.audit?.flush();
    const pages = await Promise.all(servers.map((s) => fetchJson(`${s.base}/admin/audit?client=erin`, 'GET', undefined, owner(s))));
    for (const page of pages) {
      expect(page.status, page.text).toBe(200);
      expect(page.json.entries.map((e: { tool: string; outcome: string }) => `${e.tool}:${e.outcome}`)).toEqual(Array(6).fill('shared-go:ok'));
    }
    expect(new Set(pages.map((p) => JSON.stringify(p.json.entries)))).toHaveProperty('size', 1);
  });
});
