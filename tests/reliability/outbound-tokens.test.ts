import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { connect, makeApp, textOf } from '../helpers/app.js';
import { startUpstream, type Recorded, type Upstream } from '../helpers/upstream.js';

// Issue 11, dynamic-auth tokens under trouble, through the whole call path (SDK client → toolwire →
// a real token endpoint and a real API):
// - an API that refuses every fresh token must not make toolwire hammer the token endpoint;
// - one failed token fetch must not shut calls out when the next fetch would succeed;
// - a token is refreshed ahead of its expiry, in the background, while calls go on using it.

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `fn` until it returns true, every `every` ms, for at most `limit` ms (then fails). */
async function until(fn: () => boolean | Promise<boolean>, limit = 15_000, every = 20): Promise<void> {
  const end = Date.now() + limit;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await pause(every);
  }
}

type TokenReply = (req: Recorded, res: ServerResponse, n: number) => void;

let tokens: Upstream;
let api: Upstream;
let app: App;
let client: Client;
/** Per provider (the token endpoint's path): how it answers its n-th request (1-based). */
const tokenReplies = new Map<string, TokenReply>();
/** Per provider (the API's path): which bearer tokens the API accepts. */
const accepts = new Map<string, (token: string) => boolean>();
/** Token requests per provider path. */
const fetches = (name: string) => tokens.requests.filter((r) => r.path === `/${name}`).length;

async function addProvider(name: string, reply: TokenReply, accept: (token: string) => boolean): Promise<void> {
  tokenReplies.set(`/${name}`, reply);
  accepts.set(`/${name}`, accept);
  await app.catalog.createProvider({
    name,
    code: name,
    baseUrl: api.url,
    authenticationType: 'BEARER_TOKEN',
    isDynamicAuth: true,
    dynamicAuthUrl: `${tokens.url}/${name}`,
    dynamicAuthMethod: 'POST',
    dynamicAuthPayloadType: 'JSON',
    dynamicAuthPayloadLocation: 'BODY',
    dynamicAuthPayload: JSON.stringify({ client_id: name, client_secret: 'canary-secret-3e1f' }),
    dynamicAuthTokenExtractionPath: '$.access_token',
  });
  await app.catalog.createTool({ name, code: name, providerCode: name, endpointPath: `/${name}`, httpMethod: 'GET' });
}

const issue = (res: ServerResponse, token: string, expiresIn = 3600) =>
  void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, expires_in: expiresIn }));

beforeAll(async () => {
  tokens = await startUpstream((req, res) => {
    const reply = tokenReplies.get(req.path);
    if (!reply) return void res.writeHead(404).end();
    reply(req, res, fetches(req.path.slice(1)));
  });
  api = await startUpstream((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!accepts.get(req.path)?.(token)) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, token }));
  });
  app = await makeApp();
  client = await connect(app);
});

afterAll(async () => {
  await client?.close();
  await app?.close();
  await tokens?.close();
  await api?.close();
});

describe('an API that refuses freshly fetched tokens', () => {
  it('8 concurrent callers for 3 s cause a handful of token fetches, not one per call, and each failure says why', async () => {
    await addProvider(
      'refuser',
      (_req, res, n) => issue(res, `refused-${n}`),
      () => false,
    );
    const results: Array<{ isError: boolean; text: string }> = [];
    const stop = Date.now() + 3_000; // only how long the load lasts; nothing below depends on time
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < stop) {
          const result = await client.callTool({ name: 'refuser' });
          results.push({ isError: result.isError === true, text: textOf(result) });
        }
      }),
    );
    expect(results.length).toBeGreaterThan(100);
    expect(results.every((r) => r.isError && r.text.includes('The API answered 401'))).toBe(true);
    // Before: one fetch per call (1,918 in 10 s from 8 callers). Backoff 0, 1, 2 s… gives about 5 in 3 s.
    expect(fetches('refuser')).toBeGreaterThanOrEqual(2);
    expect(fetches('refuser')).toBeLessThanOrEqual(8);
    const waiting = results.filter((r) =>
      /refused a freshly fetched token of provider "refuser" \(\d+ in a row\), so toolwire does not fetch another one at once: next attempt in \d+ s\. Check the provider's credentials and their scope/.test(
        r.text,
      ),
    );
    expect(waiting.length).toBeGreaterThan(results.length / 2);
    expect(results.some((r) => r.text.includes('canary-secret'))).toBe(false);
  });

  it('the first refusal of a fresh token is retried at once; repeated ones wait; a success ends the backoff', async () => {
    let acceptFrom = 4; // the API refuses the tokens issued 1st to 3rd
    await addProvider(
      'recovers',
      (_req, res, n) => issue(res, `rec-${n}`),
      (token) => Number(token.split('-')[1]) >= acceptFrom,
    );
    const first = await client.callTool({ name: 'recovers' }); // rec-1 refused, rec-2 fetched and refused too
    expect(first.isError).toBe(true);
    expect(textOf(first)).toContain('refused a freshly fetched token of provider "recovers" too. If it refuses the next one as well, toolwire waits');
    expect(fetches('recovers')).toBe(2);
    const second = await client.callTool({ name: 'recovers' }); // retried at once: rec-3, refused: now it waits
    expect(textOf(second)).toMatch(/\(2 in a row\), so toolwire does not fetch another one at once: next attempt in 1 s/);
    expect(fetches('recovers')).toBe(3);
    for (let i = 0; i < 3; i++) expect((await client.callTool({ name: 'recovers' })).isError).toBe(true);
    expect(fetches('recovers')).toBe(3); // no fetch while waiting (the calls above take far less than 1 s)

    // After the wait the next refused call fetches rec-4, which the API accepts.
    await until(async () => !(await client.callTool({ name: 'recovers' })).isError, 15_000, 100);
    expect(fetches('recovers')).toBe(4);
    expect((await client.callTool({ name: 'recovers' })).structuredContent).toEqual({ ok: true, token: '[REDACTED]' });
    expect(fetches('recovers')).toBe(4);

    // The success reset the count: the next refusal of a fresh token is again retried at once.
    acceptFrom = 100;
    const again = await client.callTool({ name: 'recovers' }); // rec-4 refused, rec-5 fetched and refused
    expect(textOf(again)).toContain('too. If it refuses the next one as well');
    expect(fetches('recovers')).toBe(5);
  });
});

describe('a failed token fetch', () => {
  it('does not shut out the next call: it tries the token endpoint again at once', async () => {
    await addProvider(
      'glitch',
      (_req, res, n) => (n === 1 ? void res.writeHead(503).end() : issue(res, `glitch-${n}`)),
      () => true,
    );
    const failed = await client.callTool({ name: 'glitch' });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toContain('the token endpoint answered 503 Service Unavailable');
    const next = await client.callTool({ name: 'glitch' });
    expect(next.isError).toBeFalsy();
    expect(fetches('glitch')).toBe(2);
  });

  it('repeated failures back off: 12 quick calls make a few fetches, and the message says when the next one is', async () => {
    await addProvider(
      'authdown',
      (_req, res) => void res.writeHead(500).end(),
      () => true,
    );
    const texts: string[] = [];
    for (let i = 0; i < 12; i++) texts.push(textOf(await client.callTool({ name: 'authdown' })));
    expect(texts.every((t) => t.includes('the token endpoint answered 500'))).toBe(true);
    expect(fetches('authdown')).toBeGreaterThanOrEqual(2);
    expect(fetches('authdown')).toBeLessThanOrEqual(4);
    expect(texts.some((t) => /failed 2 times in a row; toolwire tries it again in 1 s/.test(t))).toBe(true);
  });
});

describe('refresh ahead of expiry', () => {
  it('the call after the refresh point does not wait for the token endpoint: calls go on with the current token while the next is fetched', async () => {
    // An 8 s token: its successor is fetched from 85% of its life (6.8 s); it is used until 90% (7.2 s).
    let held: ServerResponse | null = null;
    let issued2 = false;
    /** For each API request, when the API received it: the token it carried, and whether the token endpoint was holding the next fetch. */
    const seen: Array<{ token: string; fetchPending: boolean }> = [];
    await addProvider(
      'ahead',
      (_req, res, n) => {
        if (n === 1) return issue(res, 'ahead-1', 8);
        held = res; // the second fetch waits until the test lets it go
      },
      (token) => {
        seen.push({ token, fetchPending: held !== null && !issued2 });
        return token.startsWith('ahead-');
      },
    );
    const release = () => {
      if (held && !issued2) {
        issued2 = true;
        issue(held, 'ahead-2', 8);
      }
    };
    const calls: Array<Promise<unknown>> = [];
    try {
      expect((await client.callTool({ name: 'ahead' })).isError).toBeFalsy();
      // Keep calling, sequentially, until the token endpoint has held the refresh while some calls were
      // answered (or, if calls wait for the refresh, until it has been held for 3 s: then the test fails).
      let heldSince = 0;
      await until(
        async () => {
          const call = client.callTool({ name: 'ahead' });
          calls.push(call);
          await Promise.race([call, pause(200)]);
          if (held && !heldSince) heldSince = Date.now();
          const answeredWhileHeld = seen.filter((s) => s.fetchPending).length;
          return answeredWhileHeld >= 3 || (heldSince !== 0 && Date.now() - heldSince > 3_000);
        },
        30_000,
        10,
      );
      const whileHeld = seen.filter((s) => s.fetchPending);
      expect(whileHeld.length).toBeGreaterThanOrEqual(3);
      expect(whileHeld.every((s) => s.token === 'ahead-1')).toBe(true);
      expect(fetches('ahead')).toBe(2);
    } finally {
      release();
    }
    await Promise.all(calls);
    // Once the token endpoint has answered, calls carry the new token; nothing was fetched twice.
    await until(async () => {
      expect((await client.callTool({ name: 'ahead' })).isError).toBeFalsy();
      return seen.at(-1)?.token === 'ahead-2';
    });
    expect(fetches('ahead')).toBe(2);
  }, 60_000);
});
