import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenManager } from '../../src/outbound/dynamic-auth/index.js';
import { json, jwt, provider, startTokenServer, type TokenServer } from './token-server.js';

let server: TokenServer;
beforeAll(async () => {
  server = await startTokenServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const START = 1_700_000_000_000;

/** A manager on a clock the test moves by hand. */
function setup(defaultTtlMs = 600_000, failureBackoffMs = 3000) {
  const clock = { t: START };
  const manager = createTokenManager({ timeoutMs: 5000, defaultTtlMs, failureBackoffMs, now: () => clock.t });
  const p = provider({ dynamicAuthUrl: `${server.origin}/token` });
  return { clock, manager, p };
}

describe('caching', () => {
  it('fetches once and serves later calls from the cache', async () => {
    const { manager, p } = setup();
    for (let i = 0; i < 5; i++) expect(await manager.getToken(p)).toBe('tok-1');
    expect(server.requests).toHaveLength(1);
  });

  it('keeps one entry per provider id', async () => {
    const { manager, p } = setup();
    const other = provider({ dynamicAuthUrl: `${server.origin}/token` });
    expect(await manager.getToken(p)).toBe('tok-1');
    expect(await manager.getToken(other)).toBe('tok-2');
    expect(await manager.getToken(p)).toBe('tok-1');
    expect(await manager.getToken(other)).toBe('tok-2');
    expect(server.requests).toHaveLength(2);
  });

  it('single-flight: 20 concurrent calls on a cold cache make exactly one request', async () => {
    server.reply((_req, res) => setTimeout(() => json(res, 200, { access_token: 'shared' }), 30));
    const { manager, p } = setup();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => manager.getToken(p)));
    expect(tokens).toEqual(Array(20).fill('shared'));
    expect(server.requests).toHaveLength(1);
  });

  it('drop and clear forget the token', async () => {
    const { manager, p } = setup();
    await manager.getToken(p);
    manager.drop(p.id);
    expect(await manager.getToken(p)).toBe('tok-2');
    manager.clear();
    expect(await manager.getToken(p)).toBe('tok-3');
    expect(server.requests).toHaveLength(3);
  });

  it('a changed dynamic-auth configuration fetches a new token', async () => {
    const { manager, p } = setup();
    expect(await manager.getToken(p)).toBe('tok-1');
    expect(await manager.getToken({ ...p, dynamicAuthPayload: '{"password":"new"}' })).toBe('tok-2');
    expect(JSON.parse(server.requests[1]!.body)).toEqual({ password: 'new' });
  });

  it('a fetch finishing after drop does not refill the cache', async () => {
    server.reply((_req, res) => setTimeout(() => json(res, 200, { access_token: `tok-${server.requests.length}` }), 30));
    const { manager, p } = setup();
    const first = manager.getToken(p);
    manager.drop(p.id);
    expect(await first).toBe('tok-1');
    expect(await manager.getToken(p)).toBe('tok-2');
    expect(server.requests).toHaveLength(2);
  });
});

describe('expiry', () => {
  it('from expires_in (seconds), refreshed a margin before it ends', async () => {
    server.reply((_req, res) => json(res, 200, { access_token: `tok-${server.requests.length}`, expires_in: 120 }));
    const { clock, manager, p } = setup();
    expect(await manager.getToken(p)).toBe('tok-1');
    clock.t = START + 107_000; // margin: min(30 s, 10% of 120 s) = 12 s → refresh from 108 s
    expect(await manager.getToken(p)).toBe('tok-1');
    clock.t = START + 108_000;
    expect(await manager.getToken(p)).toBe('tok-2');
    expect(server.requests).toHaveLength(2);
  });

  it('from expires_in given as a numeric string', async () => {
    server.reply((_req, res) => json(res, 200, { access_token: `tok-${server.requests.length}`, expires_in: '3600' }));
    const { clock, manager, p } = setup(60_000);
    await manager.getToken(p);
    clock.t = START + 3_569_000; // margin 30 s → refresh from 3570 s, long after the 60 s default
    expect(await manager.getToken(p)).toBe('tok-1');
    clock.t = START + 3_570_000;
    expect(await manager.getToken(p)).toBe('tok-2');
  });

  it('from the JWT exp claim when there is no expires_in', async () => {
    const tokens = [jwt({ sub: 'a', exp: START / 1000 + 600 }), jwt({ sub: 'b', exp: START / 1000 + 1200 })];
    server.reply((_req, res) => json(res, 200, { accessJwt: tokens[server.requests.length - 1] }));
    const { clock, manager, p } = setup(60_000);
    const provider2 = { ...p, dynamicAuthTokenExtractionPath: 'accessJwt' };
    expect(await manager.getToken(provider2)).toBe(tokens[0]);
    clock.t = START + 569_000; // exp in 600 s, margin 30 s
    expect(await manager.getToken(provider2)).toBe(tokens[0]);
    clock.t = START + 570_000;
    expect(await manager.getToken(provider2)).toBe(tokens[1]);
    expect(server.requests).toHaveLength(2);
  });

  it('from the default TTL when the answer gives none', async () => {
    const { clock, manager, p } = setup(60_000);
    await manager.getToken(p);
    clock.t = START + 53_999; // margin 6 s
    expect(await manager.getToken(p)).toBe('tok-1');
    clock.t = START + 54_000;
    expect(await manager.getToken(p)).toBe('tok-2');
  });

  it('ignores a JWT exp already in the past and uses the default TTL', async () => {
    const stale = jwt({ exp: START / 1000 - 10 });
    server.reply((_req, res) => json(res, 200, { access_token: stale }));
    const { clock, manager, p } = setup(60_000);
    await manager.getToken(p);
    clock.t = START + 50_000;
    await manager.getToken(p);
    expect(server.requests).toHaveLength(1);
  });
});

describe('invalidate', () => {
  it('drops the token it was given, and a stale token after a refresh does not drop the new one', async () => {
    const { manager, p } = setup();
    const old = await manager.getToken(p);
    manager.invalidate(p.id, old);
    const fresh = await manager.getToken(p);
    expect(fresh).toBe('tok-2');
    manager.invalidate(p.id, old); // a late 401 from a call that used the old token
    expect(await manager.getToken(p)).toBe('tok-2');
    expect(server.requests).toHaveLength(2);
  });

  it('N calls refused together cause one refresh', async () => {
    server.reply((_req, res) => setTimeout(() => json(res, 200, { access_token: `tok-${server.requests.length}` }), 20));
    const { manager, p } = setup();
    const used = await manager.getToken(p);
    const retried = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i % 3));
        manager.invalidate(p.id, used);
        return manager.getToken(p);
      }),
    );
    expect(new Set(retried)).toEqual(new Set(['tok-2']));
    expect(server.requests).toHaveLength(2);
  });

  it('an unknown provider gets a free retry and touches no other provider', async () => {
    const { manager, p } = setup();
    const token = await manager.getToken(p);
    // The very token p holds, refused under an id the manager never saw (a provider removed meanwhile).
    const unknownId = p.id + 1_000_000;
    for (let i = 0; i < 3; i++) {
      const refusal = manager.invalidate(unknownId, token);
      expect(refusal.retry).toBe(true);
      expect(refusal.reason).toBeNull();
      expect(refusal.settle(token, false)).toBeNull(); // refusals of an unknown provider start no backoff
    }
    // p keeps its token: nothing was dropped, nothing fetched again.
    expect(await manager.getToken(p)).toBe(token);
    expect(server.requests).toHaveLength(1);
    // And p's own state is untouched: its first refusal is still a free retry that drops the token.
    expect(manager.invalidate(p.id, token).retry).toBe(true);
    expect(await manager.getToken(p)).toBe('tok-2');
    expect(server.requests).toHaveLength(2);
  });
});

describe('failure backoff', () => {
  it('a failure is shared by concurrent callers; the next call tries again at once, and repeated failures wait, doubling', async () => {
    server.reply((_req, res) => setTimeout(() => json(res, 503, { error: 'down' }), 20));
    const { clock, manager, p } = setup(600_000, 3000);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => manager.getToken(p)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(server.requests).toHaveLength(1);
    const first = (results[0] as PromiseRejectedResult).reason as Error;
    expect(first.message).toContain('answered 503 Service Unavailable');

    // One failure costs nothing: the next call asks again at once (issue 11).
    await expect(manager.getToken(p)).rejects.toThrow(/answered 503/);
    expect(server.requests).toHaveLength(2);
    // The second failure in a row waits 3 s (failureBackoffMs), without a request inside the window.
    clock.t = START + 2_999;
    for (let i = 0; i < 3; i++) await expect(manager.getToken(p)).rejects.toThrow(/answered 503 .*failed 2 times in a row; toolwire tries it again in 1 s/);
    expect(server.requests).toHaveLength(2);
    // The third waits twice as long.
    clock.t = START + 3_000;
    await expect(manager.getToken(p)).rejects.toThrow(/answered 503/);
    expect(server.requests).toHaveLength(3);
    clock.t = START + 8_999;
    await expect(manager.getToken(p)).rejects.toThrow(/failed 3 times in a row; toolwire tries it again in 1 s/);
    expect(server.requests).toHaveLength(3);

    server.reply((_req, res) => json(res, 200, { access_token: 'recovered' }));
    clock.t = START + 9_000;
    expect(await manager.getToken(p)).toBe('recovered');
    expect(server.requests).toHaveLength(4);
  });

  it('a failed refresh does not poison the cache: once the window passes, a success is cached', async () => {
    const { clock, manager, p } = setup(60_000, 1000);
    await manager.getToken(p);
    server.reply((_req, res) => json(res, 500, {}));
    clock.t = START + 54_000;
    await expect(manager.getToken(p)).rejects.toThrow(/answered 500/);
    server.reply((_req, res) => json(res, 200, { access_token: 'ok-again' }));
    clock.t = START + 55_000;
    expect(await manager.getToken(p)).toBe('ok-again');
    expect(await manager.getToken(p)).toBe('ok-again');
    expect(server.requests).toHaveLength(3);
  });

  it('a changed configuration is tried at once, without waiting for the window', async () => {
    server.reply((_req, res) => json(res, 401, {}));
    const { manager, p } = setup();
    await expect(manager.getToken(p)).rejects.toThrow(/answered 401/);
    server.reply((_req, res) => json(res, 200, { access_token: 'fixed' }));
    expect(await manager.getToken({ ...p, dynamicAuthPayload: '{"password":"right"}' })).toBe('fixed');
  });
});

describe("each client's own token (SPEC §11)", () => {
  it('caches per (provider, client), apart from the shared token; a 401 drops only that client’s; retainClients and drop forget them', async () => {
    const { manager, p } = setup();
    const alice = { ...p, dynamicAuthPayload: '{"user":"alice"}' };
    const bob = { ...p, dynamicAuthPayload: '{"user":"bob"}' };
    expect(await manager.getToken(p)).toBe('tok-1');
    expect(await manager.getToken(alice, 'alice')).toBe('tok-2');
    expect(await manager.getToken(bob, 'bob')).toBe('tok-3');
    expect(await manager.getToken(alice, 'alice')).toBe('tok-2');
    // Each login with its own payload.
    expect(server.requests.slice(1).map((r) => JSON.parse(r.body))).toEqual([{ user: 'alice' }, { user: 'bob' }]);

    expect(manager.invalidate(p.id, 'tok-2', 'alice').retry).toBe(true);
    expect(await manager.getToken(alice, 'alice')).toBe('tok-4');
    expect(await manager.getToken(bob, 'bob')).toBe('tok-3');
    expect(await manager.getToken(p)).toBe('tok-1');

    manager.retainClients((_id, client) => client !== 'bob');
    expect(await manager.getToken(bob, 'bob')).toBe('tok-5');
    expect(await manager.getToken(alice, 'alice')).toBe('tok-4');
    manager.drop(p.id);
    expect(await manager.getToken(alice, 'alice')).toBe('tok-6');
    expect(await manager.getToken(p)).toBe('tok-7');
  });

  it('a new payload for the same client is a new login, never the token of the old one', async () => {
    const { manager, p } = setup();
    expect(await manager.getToken({ ...p, dynamicAuthPayload: '{"user":"alice","password":"old"}' }, 'alice')).toBe('tok-1');
    expect(await manager.getToken({ ...p, dynamicAuthPayload: '{"user":"alice","password":"new"}' }, 'alice')).toBe('tok-2');
  });
});
