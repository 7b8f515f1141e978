import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { startFakeOAuthServer, type FakeOAuthServer } from '../oauth2/fake-oauth-server.js';
import { callTool, clientFor } from '../ops/harness.js';

/**
 * Two instances on one database (issue 16, docs/design/postgresql.md §3): what one process used to keep in
 * its memory works through the other. A cut answer read on through B (its owner only); a connect ticket
 * made by A used on B, once; an OAuth 2 sign-in started on A finished by the callback on B; a web session
 * opened on A used on B, CSRF enforced. The tables hold no secret in clear.
 */
const KEY = 'shared-state-canary-key-4f7a2c9e1b';
const BEARER = 'shared-state-own-bearer-8c1e5a3f7d';
const AC_SECRET = 'shared-state-ac-secret-2b9d4f6a8c';
const ITEMS = 3000;
const BIG = JSON.stringify({ total: ITEMS, items: Array.from({ length: ITEMS }, (_, i) => ({ id: i, note: `echoed ${KEY} item-${i}` })) });
const LINK = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]{43})/;
const MODERN = { pin: '2026-07-28' };

/** `env`: what both instances are started with (one database). */
export function sharedStateSuite(label: string, env: () => Record<string, string>): void {
  describe(`two instances on one ${label} database`, () => {
    let upstream: Upstream;
    let oauthServer: FakeOAuthServer;
    let a: InProcessServer;
    let b: InProcessServer;
    const owner = `tw_test_${randomBytes(16).toString('hex')}`;
    const tokens: Record<string, string> = {};
    const secrets: string[] = [];
    const raw = async (table: string) => JSON.stringify(await a.app.store.database.driver.all(`SELECT * FROM ${table}`));
    const onB = (url: string) => url.replace(a.base, b.base);

    beforeAll(async () => {
      upstream = await startUpstream((req, res) => {
        if (req.path === '/big') return void res.writeHead(200, { 'content-type': 'application/json' }).end(BIG);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path }));
      });
      oauthServer = await startFakeOAuthServer({ 'ac-app': AC_SECRET });
      a = await startInProcess(env(), { token: owner });
      const { catalog } = a.app;
      await catalog.createProvider({
        name: 'Data',
        code: 'data',
        baseUrl: upstream.url,
        authenticationType: 'API_KEY',
        apiKeyName: 'X-Api-Key',
        apiKeyValue: KEY,
        maxResultTokens: 1000,
      });
      await catalog.createTool({ name: 'big', code: 'big', providerCode: 'data', endpointPath: '/big' });
      await catalog.createProvider({ name: 'Per user', code: 'pu', baseUrl: upstream.url, authenticationType: 'BEARER_TOKEN', credentialMode: 'per_user' });
      await catalog.createTool({ name: 'pu-echo', code: 'pu-echo', providerCode: 'pu', endpointPath: '/pu-echo' });
      await catalog.createProvider({
        name: 'Own account',
        code: 'gh',
        baseUrl: upstream.url,
        authenticationType: 'OAUTH2',
        oauth: {
          authorizationUrl: `${oauthServer.url}/authorize`,
          tokenUrl: `${oauthServer.url}/token`,
          clientId: 'ac-app',
          clientSecret: AC_SECRET,
          scopes: ['repo'],
          pkce: true,
        },
      });
      await catalog.createTool({ name: 'gh-echo', code: 'gh-echo', providerCode: 'gh', endpointPath: '/gh-echo' });
      for (const name of ['alice', 'bob']) tokens[name] = (await catalog.clients.addClient({ name })).token;
      await a.app.registry.refresh();
      // B starts on the same database: it reads what A wrote.
      b = await startInProcess(env(), { token: owner });
      secrets.push(owner, KEY, BEARER, AC_SECRET, ...Object.values(tokens));
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
      await upstream?.close();
      await oauthServer?.close();
    });

    it('reads a cut answer got from A further through B, for the same identity only', async () => {
      const onA = await clientFor(a.url, tokens.alice!, MODERN);
      const aliceOnB = await clientFor(b.url, tokens.alice!, MODERN);
      const bobOnB = await clientFor(b.url, tokens.bob!, MODERN);
      try {
        const first = await callTool(onA, 'big');
        expect(first.isError, first.text).toBe(false);
        const handle = /"handle": "(rm_[\w-]+)"/.exec(first.text)?.[1] as string;
        expect(handle, first.text).toBeTruthy();
        const sentBefore = upstream.requests.length;
        const part = await callTool(aliceOnB, 'toolwire_read_more', { handle });
        expect(part.isError, part.text).toBe(false);
        expect(part.text).toMatch(/item-\d+/);
        expect(part.text).not.toContain(KEY); // the kept answer is the masked one
        // The next part through A starts where B's part ended (the table keeps `next`).
        const next = /Next part: toolwire_read_more with offset (\d+)/.exec(part.text)?.[1];
        expect(next).toBeTruthy();
        const fromB = await callTool(aliceOnB, 'toolwire_read_more', { handle });
        expect(fromB.text).toContain(`"id":${next}`);
        expect(upstream.requests.length).toBe(sentBefore); // no upstream call again
        const refused = await callTool(bobOnB, 'toolwire_read_more', { handle });
        expect(refused.isError).toBe(true);
        expect(refused.text).toContain('No answer is kept');
        const table = await raw('kept_answers');
        expect(table).toContain(handle);
        expect(table).not.toMatch(/item-\d/);
      } finally {
        await Promise.all([onA.close(), aliceOnB.close(), bobOnB.close()]);
      }
    });

    it('uses a connect ticket made by A on B, once across both', async () => {
      const onA = await clientFor(a.url, tokens.alice!, MODERN);
      let link: string;
      try {
        const answer = await callTool(onA, 'pu-echo');
        expect(answer.isError).toBe(true);
        link = LINK.exec(answer.text)?.[1] as string;
        expect(link, answer.text).toBeTruthy();
        expect(link.startsWith(a.base)).toBe(true);
      } finally {
        await onA.close();
      }
      const ticket = link.split('/').at(-1)!;
      secrets.push(ticket);
      expect((await fetch(onB(link))).status, [...a.logLines, ...b.logLines].filter((l) => /ticket|connect/i.test(l)).join('\n')).toBe(200);
      const post = (url: string, token: string) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}&apiKeyValue=${BEARER}` });
      expect((await post(onB(link), tokens.bob!)).status).toBe(403); // another identity: nothing stored
      const stored = await post(onB(link), tokens.alice!);
      expect(stored.status, await stored.text()).toBe(200);
      // Used on B: gone on A and on B.
      expect((await post(link, tokens.alice!)).status).toBe(410);
      expect((await fetch(onB(link))).status).toBe(410);
      expect((await fetch(link)).status).toBe(410);
      const table = await raw('connect_tickets');
      expect(table).toContain('"client_name":"alice"');
    });

    it('finishes an OAuth 2 sign-in started on A with the callback on B, once', async () => {
      const authorizeUrl = await a.signIn.authorizationUrl('gh', 'alice');
      const pending = await raw('oauth_pending');
      const state = new URL(authorizeUrl).searchParams.get('state') as string;
      expect(pending).toContain('"client_name":"alice"');
      expect(pending).not.toContain(state);
      const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
      const callback = authorize.headers.get('location') as string;
      expect(callback.startsWith(`${a.base}/connect/callback?`)).toBe(true);
      const page = await fetch(onB(callback));
      expect(page.status, await page.text()).toBe(200);
      expect(oauthServer.grants('authorization_code').at(-1)?.form.get('code_verifier')).toBeTruthy();
      secrets.push(...oauthServer.issued, oauthServer.grants('authorization_code').at(-1)!.form.get('code_verifier')!);
      // Spent on every instance.
      expect((await fetch(callback)).status).not.toBe(200);
      expect(await raw('oauth_pending')).toBe('[]');
      const credentials = await fetchJson(`${b.base}/admin/clients/alice/credentials`, 'GET', undefined, { authorization: `Bearer ${owner}` });
      expect(credentials.text).toContain('gh');
    });

    it('keeps a web session opened on A working on B, CSRF enforced, and ends it on both', async () => {
      const opened = await fetchJson(`${a.base}/ui/session`, 'POST', { token: owner });
      expect(opened.status).toBe(200);
      const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0]!;
      const csrf = opened.json.csrf as string;
      secrets.push(cookie.split('=')[1]!, csrf);
      expect((await fetchJson(`${b.base}/ui/api/providers`, 'GET', undefined, { cookie })).status).toBe(200);
      expect((await fetchJson(`${b.base}/ui/session`, 'GET', undefined, { cookie })).json.csrf).toBe(csrf);
      const body = { name: 'Made on B', code: 'made-on-b', baseUrl: 'http://127.0.0.1:9/' };
      const refused = await fetchJson(`${b.base}/ui/api/providers`, 'POST', body, { cookie });
      expect(refused.status).toBe(403);
      expect((await fetchJson(`${b.base}/ui/api/providers`, 'POST', body, { cookie, 'x-csrf-token': 'x'.repeat(43) })).status).toBe(403);
      expect((await fetchJson(`${b.base}/ui/api/providers`, 'POST', body, { cookie, 'x-csrf-token': csrf })).status).toBe(201);
      expect((await fetchJson(`${b.base}/ui/session`, 'DELETE', undefined, { cookie, 'x-csrf-token': csrf })).status).toBe(204);
      expect((await fetchJson(`${a.base}/ui/api/providers`, 'GET', undefined, { cookie })).status).toBe(401);
      expect(await raw('ui_sessions')).toBe('[]');
    });

    it('keeps no secret in clear in the shared tables', async () => {
      // A session left open, so the table has a row to look at.
      const opened = await fetchJson(`${a.base}/ui/session`, 'POST', { token: owner });
      secrets.push((opened.headers.get('set-cookie') ?? '').split(';')[0]!.split('=')[1]!, opened.json.csrf as string);
      const tables = await Promise.all(['kept_answers', 'connect_tickets', 'oauth_pending', 'ui_sessions'].map(raw));
      expect(tables[3]).toContain('"who":"owner"');
      for (const secret of secrets) for (const table of tables) expect(table).not.toContain(secret);
    });
  });
}
