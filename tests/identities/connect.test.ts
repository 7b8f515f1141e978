import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * Connect your account (SPEC §11) on one `serve --http` per call path (the fast path, and the SDK's
 * handlers with TOOLWIRE_FAST_PATH=0): a call whose caller lacks its own credential answers with a link
 * to /connect/{ticket} in each of the three shapes; the page, driven over HTTP, stores that caller's
 * credential only for that caller's token; and the retried call reaches the API with it.
 */
const MODERN = '2026-07-28';
type Mode = 'legacy' | { pin: string };
const SHARED_PU = 'shared-pu-canary-3e5a7c9b1d';
const SHARED_META = 'shared-meta-canary-8d0f2b4a6c';
const SHARED_USER = 'shared-login-canary-6b8d0f2e4a';
const LINK = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]{43})/;

interface ElicitParams {
  mode?: string;
  url?: string;
  message?: string;
  elicitationId?: string;
}

describe.each([
  ['the fast path', {}],
  ['the SDK handlers', { TOOLWIRE_FAST_PATH: '0' }],
])('connect your account through %s', (_label, extraEnv) => {
  const env = testEnv(tempDir(), extraEnv);
  let upstream: Upstream;
  let server: RunningServer;
  const tokens: Record<string, string> = {};

  const cli = (args: string[], input?: string) => {
    const result = runCli(args, env, input);
    expect(result.code, result.stderr).toBe(0);
    return result;
  };
  const owner = () => ({ authorization: `Bearer ${server.token}` });
  const base = () => server.url.replace(/\/mcp$/, '');
  const credentialsOf = async (client: string) => (await fetchJson(`${base()}/admin/clients/${client}/credentials`, 'GET', undefined, owner())).json;
  const requestsTo = (path: string) => upstream.requests.filter((r) => r.path === path);

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      // The dynamic-auth login answers a token naming the user it was given; everything else echoes.
      if (req.path === '/login') {
        const user = (req.json as { user?: string } | undefined)?.user ?? 'nobody';
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `tok-${user}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path, headers: req.headers }));
    });
    const provider = (fields: Record<string, unknown>) =>
      cli(['provider', 'add', '-'], JSON.stringify({ baseUrl: upstream.url, credentialMode: 'per_user', ...fields }));
    const tool = (code: string, providerCode: string) =>
      cli(['tool', 'add', '-'], JSON.stringify({ name: code, code, providerCode, endpointPath: `/${code}` }));
    provider({ name: 'Per user', code: 'pu', authenticationType: 'BEARER_TOKEN', apiKeyValue: SHARED_PU });
    provider({ name: 'Meta', code: 'meta', authenticationType: 'API_KEY', apiKeyName: 'X-Api-Key', apiKeyValue: SHARED_META, toolMode: 'meta' });
    // Per-user dynamic-auth providers come with another branch: until then the catalog refuses to make one.
    const login = runCli(
      ['provider', 'add', '-'],
      env,
      JSON.stringify({
        baseUrl: upstream.url,
        credentialMode: 'per_user',
        name: 'Login',
        code: 'dyn',
        isDynamicAuth: true,
        dynamicAuthUrl: `${upstream.url}/login`,
        dynamicAuthMethod: 'POST',
        dynamicAuthPayload: JSON.stringify({ user: SHARED_USER, password: 'shared-password' }),
        dynamicAuthPayloadType: 'JSON',
        dynamicAuthPayloadLocation: 'BODY',
        dynamicAuthTokenExtractionPath: '$.token',
      }),
    );
    expect(login.code, login.stderr).toBe(0);
    tool('pu-echo', 'pu');
    tool('meta-op', 'meta');
    tool('dyn-echo', 'dyn');
    for (const name of ['modern', 'legacy', 'plain', 'page', 'intruder', 'gone', 'selfmodern', 'selflegacy', 'metauser', 'dynuser']) {
      tokens[name] = cli(['client', 'add', name]).stdout.trim();
    }
    server = await startServer([], env);
  });

  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  /** An SDK client of `mode` with `token`; with `elicit`, it declares URL elicitation and answers it so. */
  async function clientFor(token: string, mode: Mode, elicit?: (params: ElicitParams) => Promise<{ action: 'accept' | 'decline' | 'cancel' }>) {
    const client = new Client(
      { name: 'connect-test', version: '1' },
      { versionNegotiation: { mode }, ...(elicit ? { capabilities: { elicitation: { url: {} } } } : {}) },
    );
    if (elicit) client.setRequestHandler('elicitation/create', async (request) => elicit(request.params as ElicitParams));
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
    const result = await client.callTool({ name, arguments: args });
    const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
    return { isError: result.isError === true, text };
  }

  /** Posts the connect form as a browser would (form-encoded), without following redirects. */
  const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  it('answers a 2026-07-28 client that declares URL elicitation with input_required to its link', async () => {
    const asked: ElicitParams[] = [];
    const client = await clientFor(tokens.modern!, { pin: MODERN }, async (params) => {
      asked.push(params);
      return { action: 'decline' };
    });
    try {
      const result = await call(client, 'pu-echo');
      expect(asked).toHaveLength(1);
      expect(asked[0]!.mode).toBe('url');
      expect(asked[0]!.url).toMatch(LINK);
      expect(asked[0]!.url!.startsWith(`${base()}/connect/`)).toBe(true);
      expect(asked[0]!.message).toContain('"pu"');
      // Declined: not asked again, answered with the link to use later.
      expect(result.isError).toBe(true);
      expect(result.text).toMatch(LINK);
      expect(requestsTo('/pu-echo')).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('sends a 2025-11-25 client that declares URL elicitation an elicitation/create in URL mode', async () => {
    const asked: ElicitParams[] = [];
    const client = await clientFor(tokens.legacy!, 'legacy', async (params) => {
      asked.push(params);
      return { action: 'decline' };
    });
    try {
      const result = await call(client, 'pu-echo');
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ mode: 'url' });
      expect(asked[0]!.url).toMatch(LINK);
      expect(asked[0]!.elicitationId).toEqual(expect.any(String));
      expect(result.isError).toBe(true);
      expect(result.text).toMatch(LINK);
      expect(requestsTo('/pu-echo')).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('names the link in the isError for clients without URL elicitation, on both revisions', async () => {
    for (const mode of ['legacy', { pin: MODERN }] as Mode[]) {
      const client = await clientFor(tokens.plain!, mode);
      try {
        const result = await call(client, 'pu-echo');
        expect(result.isError).toBe(true);
        expect(result.text).toMatch(LINK);
        expect(result.text).toContain('toolwire credential set --client plain --provider pu');
      } finally {
        await client.close();
      }
    }
    expect(requestsTo('/pu-echo')).toHaveLength(0);
  });

  it("stores the credential only for the link's own identity, then the retried call sends it", async () => {
    const client = await clientFor(tokens.page!, 'legacy');
    try {
      const link = LINK.exec((await call(client, 'pu-echo')).text)![1]!;

      const page = await fetch(link);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(html).toContain('name="token"');
      expect(html).toContain('name="apiKeyValue"');
      expect(html).toMatch(/<label for="f-0">/);
      expect(html).toContain('name="viewport"');
      expect(html).not.toMatch(/<script|https?:\/\//);
      expect(html).not.toContain(SHARED_PU);

      // Another client's token: 403, nothing stored.
      const wrong = await post(link, { token: tokens.intruder!, apiKeyValue: 'intruder-key-canary' });
      expect(wrong.status).toBe(403);
      const wrongHtml = await wrong.text();
      expect(wrongHtml).not.toContain('intruder-key-canary');
      expect(wrongHtml).not.toContain(tokens.intruder!);
      expect(await credentialsOf('page')).toEqual([]);
      expect(await credentialsOf('intruder')).toEqual([]);
      // A cross-site post: refused, even with the right token.
      const crossSite = await post(link, { token: tokens.page!, apiKeyValue: 'cross-site-canary' }, { origin: 'https://evil.example' });
      expect(crossSite.status).toBe(403);
      // Bad input: the field named, nothing stored, the link still usable.
      const empty = await post(link, { token: tokens.page!, apiKeyValue: '  ' });
      expect(empty.status).toBe(400);
      const emptyHtml = await empty.text();
      expect(emptyHtml).toContain('apiKeyValue');
      expect(emptyHtml).not.toContain(tokens.page!);
      expect(await credentialsOf('page')).toEqual([]);

      const PAGE_KEY = 'page-own-key-canary-1a3c5e7f9b';
      const stored = await post(link, { token: tokens.page!, apiKeyValue: PAGE_KEY });
      const storedHtml = await stored.text();
      expect(stored.status).toBe(200);
      expect(storedHtml).toMatch(/retry the call/);
      expect(storedHtml).not.toContain(PAGE_KEY);
      expect((await credentialsOf('page')).map((c: { provider: string; fields: string[] }) => [c.provider, c.fields])).toEqual([['pu', ['apiKeyValue']]]);

      const retried = await call(client, 'pu-echo');
      expect(retried.isError).toBe(false);
      expect(requestsTo('/pu-echo').at(-1)?.headers.authorization).toBe(`Bearer ${PAGE_KEY}`);
      expect(retried.text).not.toContain(PAGE_KEY);

      // Used once: gone.
      expect((await post(link, { token: tokens.page!, apiKeyValue: 'again' })).status).toBe(410);
      expect((await fetch(link)).status).toBe(410);
    } finally {
      await client.close();
    }
  });

  it('refuses the link of a client that was removed', async () => {
    const client = await clientFor(tokens.gone!, { pin: MODERN });
    const link = LINK.exec((await call(client, 'pu-echo')).text)![1]!;
    await client.close();
    expect((await fetch(link)).status).toBe(200);
    cli(['client', 'remove', 'gone']);
    // The server notices the removal (another process wrote it) within its watch interval.
    await expect.poll(async () => (await fetch(link)).status, { timeout: 5_000 }).toBe(410);
    expect((await post(link, { token: tokens.gone!, apiKeyValue: 'late-key' })).status).toBe(410);
  });

  it.each<[string, Mode]>([
    ['selfmodern', { pin: MODERN }],
    ['selflegacy', 'legacy'],
  ])('lets a client (%s) whose elicitation handler posts the form see its call succeed', async (name, mode) => {
    const key = `${name}-own-key-canary-5b7d9f1a3c`;
    const client = await clientFor(tokens[name]!, mode, async (params) => {
      const stored = await post(params.url!, { token: tokens[name]!, apiKeyValue: key });
      expect(stored.status).toBe(200);
      return { action: 'accept' };
    });
    try {
      const result = await call(client, 'pu-echo');
      expect(result.isError, result.text).toBe(false);
      expect(requestsTo('/pu-echo').at(-1)?.headers.authorization).toBe(`Bearer ${key}`);
      expect(result.text).not.toContain(key);
    } finally {
      await client.close();
    }
  });

  it('sends the user to connect from meta mode too (call_operation)', async () => {
    const plain = await clientFor(tokens.metauser!, 'legacy');
    try {
      const first = await call(plain, 'meta__call_operation', { code: 'meta-op' });
      expect(first.isError).toBe(true);
      expect(first.text).toMatch(LINK);
    } finally {
      await plain.close();
    }
    const key = 'meta-own-key-canary-0c2e4a6b8d';
    const client = await clientFor(tokens.metauser!, { pin: MODERN }, async (params) => {
      expect((await post(params.url!, { token: tokens.metauser!, apiKeyValue: key })).status).toBe(200);
      return { action: 'accept' };
    });
    try {
      const result = await call(client, 'meta__call_operation', { code: 'meta-op' });
      expect(result.isError, result.text).toBe(false);
      expect(requestsTo('/meta-op').at(-1)?.headers['x-api-key']).toBe(key);
    } finally {
      await client.close();
    }
  });

  it("asks a dynamic-auth provider's user for each payload key, and logs in with theirs", async () => {
    const client = await clientFor(tokens.dynuser!, 'legacy');
    try {
      const link = LINK.exec((await call(client, 'dyn-echo')).text)![1]!;
      const html = await (await fetch(link)).text();
      expect(html).toContain('name="dynamicAuthPayload.user"');
      expect(html).toContain('name="dynamicAuthPayload.password"');
      expect(html).not.toContain('name="apiKeyValue"');
      expect(html).not.toContain(SHARED_USER);
      const answer = await post(link, {
        token: tokens.dynuser!,
        'dynamicAuthPayload.user': 'dyn-own-user',
        'dynamicAuthPayload.password': 'dyn-own-pass-canary',
      });
      const text = await answer.text();
      expect(text).not.toContain('dyn-own-pass-canary');
      expect(answer.status).toBe(200);
      const retried = await call(client, 'dyn-echo');
      expect(retried.isError, retried.text).toBe(false);
      expect(requestsTo('/login').at(-1)?.json).toEqual({ user: 'dyn-own-user', password: 'dyn-own-pass-canary' });
      expect(requestsTo('/dyn-echo').at(-1)?.headers.authorization).toBe('Bearer tok-dyn-own-user');
    } finally {
      await client.close();
    }
  });
});
