import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenManager } from '../../src/outbound/dynamic-auth/index.js';
import { json, provider, startTokenServer, type TokenServer } from '../dynamic-auth/token-server.js';

// Issue 11: the token manager's schedule on a clock moved by hand, against a real token endpoint —
// refresh ahead of expiry in the background, what a failed background refresh leaves, and the
// backoff after refused fresh tokens.

let server: TokenServer;
beforeAll(async () => {
  server = await startTokenServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const START = 1_700_000_000_000;

function setup() {
  const clock = { t: START };
  const manager = createTokenManager({ timeoutMs: 5000, defaultTtlMs: 600_000, now: () => clock.t });
  const p = provider({ dynamicAuthUrl: `${server.origin}/token` });
  return { clock, manager, p };
}

/** Waits until the endpoint has received `n` requests and the manager had time to store the answer. */
async function settled(n: number): Promise<void> {
  for (let i = 0; i < 500 && server.requests.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('refresh ahead of expiry', () => {
  it('from 85% of the lifetime the current token is returned at once while its successor is fetched once', async () => {
    server.reply((_req, res) => json(res, 200, { access_token: `tok-${server.requests.length}`, expires_in: 100 }));
    const { clock, manager, p } = setup();
    expect(await manager.getToken(p)).toBe('tok-1');
    clock.t = START + 84_999;
    expect(await manager.getToken(p)).toBe('tok-1');
    expect(server.requests).toHaveLength(1);
    clock.t = START + 85_000; // refresh point; the token is used until 90 s (margin 10%)
    const during = await Promise.all(Array.from({ length: 5 }, () => manager.getToken(p)));
    expect(during).toEqual(Array(5).fill('tok-1'));
    await settled(2);
    expect(server.requests).toHaveLength(2);
    expect(await manager.getToken(p)).toBe('tok-2');
  });

  it('long-lived tokens are refreshed 5 minutes before the margin', async () => {
    server.reply((_req, res) => json(res, 200, { access_token: `tok-${server.requests.length}`, expires_in: 86_400 }));
    const { clock, manager, p } = setup();
    await manager.getToken(p);
    clock.t = START + (86_400 - 30 - 300) * 1000 - 1;
    await manager.getToken(p);
    expect(server.requests).toHaveLength(1);
    clock.t += 1;
    expect(await manager.getToken(p)).toBe('tok-1');
    await settled(2);
    expect(await manager.getToken(p)).toBe('tok-2');
  });

  it('a failed background refresh keeps the current token until its end; the next call tries again at once, a second failure waits', async () => {
    server.reply((_req, res) => json(res, 200, { access_token: `tok-${server.requests.length}`, expires_in: 100 }));
    const { clock, manager, p } = setup();
    await manager.getToken(p);
    server.reply((_req, res) => json(res, 503, {}));
    clock.t = START + 89_500;
    expect(await manager.getToken(p)).toBe('tok-1'); // starts the refresh, which fails
    await settled(2);
    expect(await manager.getToken(p)).toBe('tok-1'); // tries again at once, fails again
    await settled(3);
    expect(server.requests).toHaveLength(3);
    expect(await manager.getToken(p)).toBe('tok-1'); // waiting: no request
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(3);
    clock.t = START + 90_000; // the token's end, within the wait: calls fail with the remembered failure
    await expect(manager.getToken(p)).rejects.toThrow(/answered 503 .*failed 2 times in a row; toolwire tries it again in 1 s/);
    server.reply((_req, res) => json(res, 200, { access_token: 'back' }));
    clock.t = START + 91_000;
    expect(await manager.getToken(p)).toBe('back');
  });
});

describe('refused fresh tokens', () => {
  it('the first refusal retries at once, then 1 s, 2 s, 4 s… up to 60 s; a newer token is always free to try; success resets', async () => {
    const { clock, manager, p } = setup();
    const refuse = async () => {
      const stale = await manager.getToken(p);
      const refusal = manager.invalidate(p.id, stale);
      if (!refusal.retry) return refusal.reason;
      const fresh = await manager.getToken(p);
      return refusal.settle(fresh, false);
    };
    expect(await refuse()).toContain('too. If it refuses the next one as well');
    expect(server.requests).toHaveLength(2);
    expect(await refuse()).toContain('(2 in a row), so toolwire does not fetch another one at once: next attempt in 1 s');
    expect(server.requests).toHaveLength(3);
    expect(await refuse()).toContain('next attempt in 1 s');
    expect(server.requests).toHaveLength(3);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const reason = (await refuse()) ?? '';
      const wait = Number(/next attempt in (\d+) s/.exec(reason)?.[1]);
      waits.push(wait);
      clock.t += wait * 1000;
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(server.requests).toHaveLength(10);

    // A newer token than the refused one costs no fetch, so it is tried even while waiting.
    const refusedToken = await manager.getToken(p);
    const refusal = manager.invalidate(p.id, 'an-older-token');
    expect(refusal.retry).toBe(true);
    expect(await manager.getToken(p)).toBe(refusedToken);
    expect(refusal.settle(refusedToken, true)).toBeNull();
    // The success reset the count.
    expect(await refuse()).toContain('too. If it refuses the next one as well');
  });
});
