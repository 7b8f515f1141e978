import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { testEnv } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/** SPEC §16 without a browser: the session cookie, CSRF, the proxy, and the admin routes the UI added. */
let server: InProcessServer;
let upstream: Upstream;
let toolId: number;
const SECRET = 'sk-ui-session-7f3a9c1d2e';

async function signIn(token: string) {
  const answer = await fetchJson(`${server.base}/ui/session`, 'POST', { token });
  const cookie = answer.headers.get('set-cookie') ?? '';
  return { answer, cookie, pair: cookie.split(';')[0] ?? '' };
}

beforeAll(async () => {
  upstream = await startUpstream();
  server = await startInProcess(testEnv());
  const auth = { authorization: `Bearer ${server.token}` };
  const provider = await fetchJson(
    `${server.base}/admin/providers`,
    'POST',
    {
      name: 'Echo',
      code: 'echo',
      baseUrl: upstream.url,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-API-Key',
      apiKeyValue: SECRET,
    },
    auth,
  );
  const tool = await fetchJson(
    `${server.base}/admin/tools`,
    'POST',
    {
      providerId: provider.json.id,
      name: 'Echo search',
      code: 'echo_search',
      endpointPath: '/search',
      httpMethod: 'GET',
      parameters: [{ name: 'q', type: 'STRING', required: true, location: 'QUERY' }],
    },
    auth,
  );
  toolId = tool.json.id;
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

describe('web admin sessions (SPEC §16)', () => {
  it('refuses a wrong token and opens a session for the owner with an HttpOnly, SameSite=Strict cookie scoped to /ui', async () => {
    const wrong = await signIn('not-the-token-at-all-xxxxxxxxxxxxxxxx');
    expect(wrong.answer.status).toBe(401);
    expect(wrong.cookie).toBe('');
    const right = await signIn(server.token);
    expect(right.answer.status).toBe(200);
    expect(right.answer.json.who).toBe('owner');
    expect(right.cookie).toMatch(/HttpOnly/);
    expect(right.cookie).toMatch(/SameSite=Strict/);
    expect(right.cookie).toMatch(/Path=\/ui/);
    // Served on loopback: no Secure flag (a browser would drop the cookie over plain http).
    expect(right.cookie).not.toMatch(/Secure/);
    expect(right.answer.text).not.toContain(server.token);
  });

  it('lets an --admin client sign in and refuses a client without admin rights', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const admin = await fetchJson(`${server.base}/admin/clients`, 'POST', { name: 'ops', admin: true }, auth);
    const plain = await fetchJson(`${server.base}/admin/clients`, 'POST', { name: 'agent' }, auth);
    expect((await signIn(admin.json.token)).answer.json.who).toBe('ops');
    const refused = await signIn(plain.json.token);
    expect(refused.answer.status).toBe(403);
    expect(refused.cookie).toBe('');
  });

  it('never accepts a bare session cookie on /admin or /mcp', async () => {
    const { pair } = await signIn(server.token);
    expect((await fetchJson(`${server.base}/admin/providers`, 'GET', undefined, { cookie: pair })).status).toBe(401);
    const mcp = await fetchJson(
      `${server.base}/mcp`,
      'POST',
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { cookie: pair, accept: 'application/json, text/event-stream' },
    );
    expect(mcp.status).toBe(401);
    // The same cookie does work where it belongs.
    expect((await fetchJson(`${server.base}/ui/api/providers`, 'GET', undefined, { cookie: pair })).status).toBe(200);
  });

  it('refuses a change without the CSRF token (or with another session’s) and writes nothing', async () => {
    const a = await signIn(server.token);
    const b = await signIn(server.token);
    const body = { name: 'Evil', code: 'evil', baseUrl: 'http://127.0.0.1:9/' };
    const none = await fetchJson(`${server.base}/ui/api/providers`, 'POST', body, { cookie: a.pair });
    expect(none.status).toBe(403);
    expect(none.json.message).toMatch(/CSRF/);
    const other = await fetchJson(`${server.base}/ui/api/providers`, 'POST', body, { cookie: a.pair, 'x-csrf-token': b.answer.json.csrf });
    expect(other.status).toBe(403);
    expect(await server.app.catalog.findProvider('evil')).toBeFalsy();
    const ok = await fetchJson(`${server.base}/ui/api/providers`, 'POST', body, { cookie: a.pair, 'x-csrf-token': a.answer.json.csrf });
    expect(ok.status).toBe(201);
  });

  it('ends a session on sign-out (CSRF required) and when its client loses admin rights', async () => {
    const s = await signIn(server.token);
    expect((await fetchJson(`${server.base}/ui/session`, 'DELETE', undefined, { cookie: s.pair })).status).toBe(403);
    expect((await fetchJson(`${server.base}/ui/session`, 'DELETE', undefined, { cookie: s.pair, 'x-csrf-token': s.answer.json.csrf })).status).toBe(204);
    expect((await fetchJson(`${server.base}/ui/api/providers`, 'GET', undefined, { cookie: s.pair })).status).toBe(401);

    const auth = { authorization: `Bearer ${server.token}` };
    const boss = await fetchJson(`${server.base}/admin/clients`, 'POST', { name: 'boss', admin: true }, auth);
    const session = await signIn(boss.json.token);
    expect((await fetchJson(`${server.base}/ui/api/providers`, 'GET', undefined, { cookie: session.pair })).status).toBe(200);
    await fetchJson(`${server.base}/admin/clients/boss`, 'PUT', { admin: false }, auth);
    expect((await fetchJson(`${server.base}/ui/api/providers`, 'GET', undefined, { cookie: session.pair })).status).toBe(401);
  });

  it('POST /admin/tools/{id}/call calls the tool as the caller, masks the secret, and the audit log and stats count it', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const before = upstream.requests.length;
    const answer = await fetchJson(`${server.base}/admin/tools/${toolId}/call`, 'POST', { arguments: { q: 'cats' } }, auth);
    expect(answer.status).toBe(200);
    expect(upstream.requests.length).toBe(before + 1);
    const sent = upstream.requests[before]!;
    expect(sent.query.get('q')).toBe('cats');
    expect(sent.headers['x-api-key']).toBe(SECRET);
    // The echo upstream sends the key back: the result masks it.
    expect(answer.text).toContain('cats');
    expect(answer.text).not.toContain(SECRET);

    const bad = await fetchJson(`${server.base}/admin/tools/${toolId}/call`, 'POST', { arguments: [1] }, auth);
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/arguments/);

    let entries: Array<{ kind: string; tool?: string; actor: string }> = [];
    for (let i = 0; i < 100 && !entries.some((e) => e.kind === 'call'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      entries = (await fetchJson(`${server.base}/admin/audit?tool=echo_search`, 'GET', undefined, auth)).json.entries;
    }
    expect(entries.find((e) => e.kind === 'call')).toMatchObject({ tool: 'echo_search', actor: 'owner' });
    const stats = await fetchJson(`${server.base}/admin/audit/stats?minutes=60`, 'GET', undefined, auth);
    expect(stats.status).toBe(200);
    const echo = stats.json.providers.find((p: { provider: string }) => p.provider === 'echo');
    expect(echo.calls).toBeGreaterThanOrEqual(1);
    expect(echo.perMinute).toHaveLength(60);
    expect(echo.perMinute.at(-1).calls).toBeGreaterThanOrEqual(1);
    expect((await fetchJson(`${server.base}/admin/audit/stats?minutes=0`, 'GET', undefined, auth)).status).toBe(400);
  });

  it('a scoped --admin client cannot call a tool outside its scope through the call route', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const scoped = await fetchJson(`${server.base}/admin/clients`, 'POST', { name: 'narrow', admin: true, providers: ['evil'] }, auth);
    expect(scoped.status).toBe(201);
    const before = upstream.requests.length;
    const answer = await fetchJson(
      `${server.base}/admin/tools/${toolId}/call`,
      'POST',
      { arguments: { q: 'x' } },
      { authorization: `Bearer ${scoped.json.token}` },
    );
    expect(answer.status).toBe(404);
    expect(upstream.requests.length).toBe(before);
  });
});
