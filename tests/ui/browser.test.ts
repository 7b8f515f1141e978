import { mkdirSync, writeFileSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../helpers/app.js';
import { fetchJson } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * SPEC §16 in a real browser (Debian's Chromium driven by playwright-core, one browser for the file): each
 * page is used as a person would, every request the page makes is recorded, and a screenshot of each page
 * is written to docs/ui/ (shown in the README).
 */
const SECRET = 'sk-ui-browser-4b8e2f6a1c';
const SHOTS = new URL('../../docs/ui/', import.meta.url);
let server: InProcessServer;
let upstream: Upstream;
let tokenEndpoint: Upstream;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let providerId: number;
let toolId: number;
const requested: string[] = [];
/** Every /ui/api answer the page got, read when checked: no secret may be in any of them. */
const apiAnswers: Promise<string>[] = [];
const PAYLOAD_PASSWORD = 'pw-dynamic-ui-7e3f9a';
const BOB_KEY = 'sk-bob-own-ui-5a4b3c2d';
const apiTexts = async () => (await Promise.all(apiAnswers)).join('\n');

/** Screenshots are CI's artifacts (CI=true) or asked for (TOOLWIRE_UI_SCREENSHOTS=1): a local run leaves docs/ui as it is. */
const KEEP_SHOTS = process.env.CI === 'true' || process.env.TOOLWIRE_UI_SCREENSHOTS === '1';
const shot = async (name: string) => {
  const image = await page.screenshot({ fullPage: true });
  expect(image.length).toBeGreaterThan(1000);
  if (KEEP_SHOTS) writeFileSync(new URL(`${name}.png`, SHOTS).pathname, image);
};
const go = async (hash: string, ready: string) => {
  await page.goto(`${server.base}/ui/${hash}`);
  await page.locator(ready).first().waitFor();
};
/** The page's width at 360 px: nothing wider than the screen. */
async function fitsNarrow(): Promise<number> {
  await page.setViewportSize({ width: 360, height: 740 });
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  await page.setViewportSize({ width: 1100, height: 800 });
  return width;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  upstream = await startUpstream();
  tokenEndpoint = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"token":"tok-from-login-42"}}');
  });
  server = await startInProcess(testEnv());
  const auth = { authorization: `Bearer ${server.token}` };
  const provider = await fetchJson(
    `${server.base}/admin/providers`,
    'POST',
    {
      name: 'Echo API',
      code: 'echo',
      baseUrl: upstream.url,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-API-Key',
      apiKeyValue: SECRET,
    },
    auth,
  );
  providerId = provider.json.id;
  const tool = await fetchJson(
    `${server.base}/admin/tools`,
    'POST',
    {
      providerId,
      name: 'Search things',
      code: 'echo_search',
      description: 'Searches the echo API',
      endpointPath: '/search',
      httpMethod: 'POST',
      parameters: [
        { name: 'q', type: 'STRING', required: true, location: 'QUERY', description: 'What to look for' },
        { name: 'sort', type: 'STRING', required: false, location: 'QUERY', enum: ['new', 'top'] },
        { name: 'exact', type: 'BOOLEAN', required: false, location: 'QUERY' },
        { name: 'filter', type: 'OBJECT', required: false, location: 'BODY' },
      ],
    },
    auth,
  );
  toolId = tool.json.id;
  await fetchJson(`${server.base}/admin/clients`, 'POST', { name: 'alice', providers: ['echo'] }, auth);
  await fetchJson(`${server.base}/admin/clients/alice/credentials/echo`, 'PUT', { apiKeyValue: 'sk-alice-own-9d8c7b6a' }, auth);

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  page = await context.newPage();
  page.on('request', (r) => void requested.push(r.url()));
  page.on('response', (r) => {
    if (r.url().includes('/ui/api/')) apiAnswers.push(r.text().catch(() => ''));
  });
  page.on('dialog', (d) => void d.accept());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await upstream?.close();
  await tokenEndpoint?.close();
});

describe('the web admin in a browser (SPEC §16)', () => {
  it('refuses a wrong token, then signs in with the owner token', async () => {
    await go('', 'input[name="token"]');
    expect(await page.getByLabel('Admin token').count()).toBe(1);
    await shot('sign-in');
    await page.getByLabel('Admin token').fill('wrong-token-wrong-token-wrong-token-xx');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#error').textContent()).toMatch(/not known/);
    expect(await page.locator('#nav').isHidden()).toBe(true);
    await page.getByLabel('Admin token').fill(server.token);
    await page.keyboard.press('Enter'); // keyboard only
    await page.locator('#nav').waitFor();
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'toolwire_ui')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' });
    expect(await page.evaluate<string>('document.cookie')).toBe(''); // no script can read it
  });

  it('shows a provider with its secret as "set", never in the DOM, and keeps it when saved', async () => {
    await go('#/providers', 'table');
    expect(await page.content()).not.toContain(SECRET);
    await shot('providers');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);
    await go(`#/providers/${providerId}`, 'input[name="apiKeyValue"]');
    expect(await page.getByLabel('API key (set)').inputValue()).toBe('');
    expect(await page.content()).not.toContain(SECRET);
    await page.getByLabel('Name', { exact: true }).first().fill('Echo API (renamed)');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/saved/);
    expect((await server.app.catalog.findProvider('echo'))?.name).toBe('Echo API (renamed)');
    expect((await server.app.catalog.findProvider('echo'))?.apiKeyValue).toBe(SECRET); // a save without typing keeps it
    await shot('provider');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);
  });

  it('creates a dynamic-auth provider from the advanced fields; its token fetch and call work, its payload never shown', async () => {
    await go('#/providers', 'form');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create provider' }) });
    await form.locator('input[name="name"]').fill('Session API');
    await form.locator('input[name="code"]').fill('session');
    await form.locator('input[name="baseUrl"]').fill(upstream.url);
    await form.locator('select[name="authenticationType"]').selectOption('BEARER_TOKEN');
    await form.getByText('Advanced: dynamic auth').click();
    await form.getByLabel('Fetch a token first (dynamic auth)').check();
    await form.getByLabel('Token URL', { exact: true }).fill(`${tokenEndpoint.url}/login`);
    await form.locator('select[name="dynamicAuthPayloadLocation"]').selectOption('BODY');
    await form.locator('textarea[name="dynamicAuthPayload"]').fill(JSON.stringify({ user: 'me', password: PAYLOAD_PASSWORD }));
    await form.getByLabel('Token extraction path').fill('$.data.token');
    await form.getByLabel('Invalidation keywords').fill('expired');
    await form.locator('select[name="toolMode"]').selectOption('direct');
    await form.getByLabel('Rate limit (calls a minute)').fill('120');
    await form.getByLabel('Result budget (tokens)').fill('2000');
    await form.getByLabel('Fence upstream text').check();
    await form.getByLabel('Custom headers').fill('X-Team: blue');
    await form.getByRole('button', { name: 'Create provider' }).click();
    await page.getByRole('button', { name: 'Save provider' }).waitFor();
    expect(await page.content()).not.toContain(PAYLOAD_PASSWORD);
    expect(await page.getByText('Payload (set: user, password)').count()).toBe(1);

    const auth = { authorization: `Bearer ${server.token}` };
    const stored = (await server.app.catalog.findProvider('session'))!;
    expect(stored.dynamicAuthPayload).toBe(JSON.stringify({ user: 'me', password: PAYLOAD_PASSWORD }));
    const view = await fetchJson(`${server.base}/admin/providers/${stored.id}`, 'GET', undefined, auth);
    expect(view.json).toMatchObject({
      kind: 'http',
      baseUrl: upstream.url,
      authenticationType: 'BEARER_TOKEN',
      isDynamicAuth: true,
      dynamicAuthUrl: `${tokenEndpoint.url}/login`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthTokenExtractionPath: '$.data.token',
      dynamicAuthInvalidationKeywords: 'expired',
      toolMode: 'direct',
      rateLimit: { perMinute: 120 },
      maxResultTokens: 2000,
      fenceUpstreamText: true,
      customHeaders: { 'X-Team': 'generic_text' },
    });
    expect(stored.customHeaders).toEqual({ 'X-Team': 'blue' });

    // A save that touches nothing secret keeps the payload and the header values.
    await page.getByLabel('Name', { exact: true }).first().fill('Session API (renamed)');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/saved/);
    const saved = (await server.app.catalog.findProvider('session'))!;
    expect(saved.name).toBe('Session API (renamed)');
    expect(saved.dynamicAuthPayload).toBe(stored.dynamicAuthPayload);
    expect(saved.customHeaders).toEqual({ 'X-Team': 'blue' });
    expect(saved.rateLimit).toEqual({ perMinute: 120 });
    await page.getByText('Advanced: dynamic auth').click();
    await shot('provider-advanced');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);

    const tool = await fetchJson(
      `${server.base}/admin/tools`,
      'POST',
      { providerId: stored.id, name: 'Feed', code: 'session_feed', endpointPath: '/feed', httpMethod: 'GET' },
      auth,
    );
    await go(`#/tools/${tool.json.id}`, 'form[aria-label="Try it"]');
    const before = upstream.requests.length;
    await page.getByRole('button', { name: 'Call tool' }).click();
    await page.locator('#result').waitFor();
    expect(tokenEndpoint.requests.at(-1)?.json).toEqual({ user: 'me', password: PAYLOAD_PASSWORD });
    const sent = upstream.requests[before]!;
    expect(sent.headers.authorization).toBe('Bearer tok-from-login-42');
    expect(sent.headers['x-team']).toBe('blue');
    expect(await page.content()).not.toContain(PAYLOAD_PASSWORD);
    expect(await apiTexts()).not.toContain(PAYLOAD_PASSWORD);
  });

  it('creates an OAuth 2 provider with its client secret write-only, and edits its scopes keeping the secret', async () => {
    const CLIENT_SECRET = 'oauth-client-secret-ui-8f7e6d';
    await go('#/providers', 'form');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create provider' }) });
    await form.locator('input[name="name"]').fill('Git host');
    await form.locator('input[name="code"]').fill('githost');
    await form.locator('input[name="baseUrl"]').fill(upstream.url);
    expect(await form.getByLabel('Client ID').isHidden()).toBe(true);
    await form.locator('select[name="authenticationType"]').selectOption('OAUTH2');
    await form.getByLabel('Authorization URL').fill(`${tokenEndpoint.url}/authorize`);
    await form.getByLabel('OAuth token URL').fill(`${tokenEndpoint.url}/token`);
    await form.getByLabel('Client ID').fill('client-1');
    await form.getByLabel('Client secret (not set)').fill(CLIENT_SECRET);
    await form.getByLabel('Scopes').fill('repo read:user');
    await form.locator('select[name="credentialMode"]').selectOption('per_user');
    await form.getByRole('button', { name: 'Create provider' }).click();
    await page.getByRole('button', { name: 'Save provider' }).waitFor();
    expect((await server.app.catalog.findProvider('githost'))?.oauth).toMatchObject({
      grant: 'authorization_code',
      authorizationUrl: `${tokenEndpoint.url}/authorize`,
      tokenUrl: `${tokenEndpoint.url}/token`,
      clientId: 'client-1',
      clientSecret: CLIENT_SECRET,
      scopes: ['repo', 'read:user'],
    });
    expect(await page.getByLabel('Client secret (set)').inputValue()).toBe('');
    await page.getByLabel('Scopes').fill('repo');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/saved/);
    expect((await server.app.catalog.findProvider('githost'))?.oauth).toMatchObject({ scopes: ['repo'], clientSecret: CLIENT_SECRET });
    expect(await page.content()).not.toContain(CLIENT_SECRET);
    expect(await apiTexts()).not.toContain(CLIENT_SECRET);
  });

  it("shows the API's refusal of a stdio MCP server over HTTP, and writes nothing", async () => {
    await go('#/providers', 'form');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create provider' }) });
    await form.locator('input[name="name"]').fill('Local tools');
    await form.locator('input[name="code"]').fill('local');
    await form.locator('select[name="kind"]').selectOption('mcp');
    expect(await form.locator('input[name="baseUrl"]').isHidden()).toBe(true);
    await form.locator('select[name="protocol"]').selectOption('stdio');
    await form.getByLabel('Command').fill('node');
    await form.getByLabel('Arguments (JSON)').fill('["server.js"]');
    await form.getByRole('button', { name: 'Create provider' }).click();
    await expect.poll(() => page.locator('#error').textContent()).toMatch(/stdio MCP upstream.*TOOLWIRE_ALLOW_STDIO_UPSTREAMS/);
    expect(await server.app.catalog.findProvider('local')).toBeFalsy();
  });

  it('tries a tool from the form built from its schema; the call reaches the upstream and the key is masked', async () => {
    await go(`#/tools/${toolId}`, 'form[aria-label="Try it"]');
    const form = page.locator('form[aria-label="Try it"]');
    expect(await form.locator('select[name="sort"]').count()).toBe(1);
    expect(await form.locator('input[type="checkbox"][name="exact"]').count()).toBe(1);
    expect(await form.locator('textarea[name="filter"]').count()).toBe(1);
    await form.locator('textarea[name="filter"]').fill('{not json');
    expect(await form.locator('textarea[name="filter"]').evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);
    const before = upstream.requests.length;
    await form.getByRole('button', { name: 'Call tool' }).click();
    expect(upstream.requests.length).toBe(before); // invalid JSON: nothing sent
    await form.getByLabel('q (required)').fill('kittens');
    await form.locator('select[name="sort"]').selectOption({ label: 'top' });
    await form.getByLabel('exact').check();
    await form.locator('textarea[name="filter"]').fill('{"color": "grey"}');
    await form.getByRole('button', { name: 'Call tool' }).click();
    await page.locator('#result').waitFor();
    expect(upstream.requests.length).toBe(before + 1);
    const sent = upstream.requests[before]!;
    expect(Object.fromEntries(sent.query)).toMatchObject({ q: 'kittens', sort: 'top', exact: 'true' });
    expect(sent.json).toMatchObject({ filter: { color: 'grey' } });
    expect(sent.headers['x-api-key']).toBe(SECRET);
    expect(await page.locator('#result pre').first().textContent()).toContain('kittens');
    expect(await page.content()).not.toContain(SECRET);
    await shot('tool');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);
  });

  it('previews an OpenAPI import without writing anything', async () => {
    const doc = {
      openapi: '3.0.3',
      info: { title: 'Pets', version: '1' },
      servers: [{ url: upstream.url }],
      paths: { '/pets': { get: { operationId: 'listPets', responses: { 200: { description: 'ok' } } } } },
    };
    const providersBefore = (await server.app.catalog.listProviders()).length;
    const toolsBefore = (await server.app.catalog.listTools()).length;
    await go('#/import', 'textarea[name="document"]');
    await page.getByLabel('OpenAPI document (JSON)').fill(JSON.stringify(doc));
    await page.getByLabel('Provider code').fill('pets');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#import-report').waitFor();
    expect(await page.locator('#import-report').textContent()).toMatch(/Tools to add \(1\)/);
    expect((await server.app.catalog.listProviders()).length).toBe(providersBefore);
    expect((await server.app.catalog.listTools()).length).toBe(toolsBefore);
    await shot('import');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);
  });

  it('lists identities, their scope and which credentials they have, never the values', async () => {
    await go('#/identities', 'table');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('alice');
    expect(text).toMatch(/echo: apiKeyValue \(set\)/);
    expect(await page.content()).not.toContain('sk-alice-own-9d8c7b6a');
    await shot('identities');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);
  });

  it('creates an identity whose token is shown once, changes its scope, sets its credential, rotates and removes it', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    await go('#/identities', 'form[aria-label="New identity"]');
    const form = page.locator('form[aria-label="New identity"]');
    await form.getByLabel('Identity name').fill('bob');
    await form.getByLabel('Providers').fill('echo');
    await form.getByLabel('Tools').fill('echo_*');
    await form.getByLabel('Rate limit (calls a minute)').fill('30');
    await form.getByRole('button', { name: 'Create identity' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    const token = await dialog.locator('input.token').inputValue();
    expect(token.length).toBeGreaterThan(20);
    expect((await fetchJson(`${server.base}/admin/providers`, 'GET', undefined, { authorization: `Bearer ${token}` })).status).toBe(403); // known, not admin
    await shot('identity-token');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.locator('dialog').count()).toBe(0); // the close event comes a task later
    expect(await page.content()).not.toContain(token);
    expect((await server.app.catalog.clients.listClients()).find((c) => c.name === 'bob')).toMatchObject({
      providers: ['echo'],
      tools: ['echo_*'],
      admin: false,
      rateLimit: { perMinute: 30 },
    });

    await page.getByRole('button', { name: 'Edit bob' }).click();
    await page.locator('dialog[open]').getByLabel('Tools').fill('echo_search');
    await page.locator('dialog[open]').getByLabel('Admin (may use /admin and this page)').check();
    await page.locator('dialog[open]').getByRole('button', { name: 'Save identity' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/bob saved/);
    const clients = await fetchJson(`${server.base}/admin/clients`, 'GET', undefined, auth);
    expect(clients.json.find((c: { name: string }) => c.name === 'bob')).toMatchObject({
      providers: ['echo'],
      tools: ['echo_search'],
      admin: true,
      rateLimit: { perMinute: 30 },
    });

    await page.getByRole('button', { name: 'Set credential of bob' }).click();
    await page.locator('dialog[open]').getByLabel('Provider').selectOption('echo');
    await page.locator('dialog[open]').getByLabel('API key').fill(BOB_KEY);
    await page.locator('dialog[open]').getByRole('button', { name: 'Set credential' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/Credential of bob for echo set/);
    await expect.poll(() => page.locator('dialog').count()).toBe(0); // the close event comes a task later
    const row = page.locator('#identities tr', { hasText: 'bob' });
    expect(await row.textContent()).toMatch(/echo: apiKeyValue \(set\)/);
    expect(await page.content()).not.toContain(BOB_KEY);
    expect(await apiTexts()).not.toContain(BOB_KEY);

    await page.getByRole('button', { name: 'Rotate bob' }).click();
    await page.locator('dialog[open]').waitFor();
    const rotated = await page.locator('dialog[open] input.token').inputValue();
    expect(rotated).not.toBe(token);
    expect((await fetchJson(`${server.base}/admin/clients`, 'GET', undefined, { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await fetchJson(`${server.base}/admin/clients`, 'GET', undefined, { authorization: `Bearer ${rotated}` })).status).toBe(200);
    await page.keyboard.press('Escape'); // closing the dialog any way removes it
    await expect.poll(() => page.locator('dialog').count()).toBe(0); // the close event comes a task later
    expect(await page.content()).not.toContain(rotated);

    await page.getByRole('button', { name: 'Remove echo credential of bob' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/removed/);
    expect(await server.app.catalog.credentials.listCredentials('bob')).toEqual([]);
    await page.getByRole('button', { name: 'Remove bob' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/bob removed/);
    expect((await server.app.catalog.clients.listClients()).map((c) => c.name)).toEqual(['alice']);
    expect(await apiTexts()).not.toContain(BOB_KEY);
    expect(await apiTexts()).not.toContain('sk-alice-own-9d8c7b6a');
  });

  it('lists the call in the audit log, and filters it', async () => {
    await expect
      .poll(async () => {
        await go('#/audit?tool=echo_search', 'form[role="search"]');
        return (await page.locator('main').textContent()) ?? '';
      })
      .toMatch(/call echo_search/);
    await go('#/audit?tool=no_such_tool', 'form[role="search"]');
    // The same page with another filter: its form is there before the new answer is shown.
    await expect.poll(async () => (await page.locator('main').textContent()) ?? '').toMatch(/No entries/);
    await go('#/audit', 'table#audit');
    expect(await page.locator('table#audit').textContent()).toMatch(/provider\.update/);
    await shot('audit');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);
  });

  it('draws the dashboard charts from the last hour', async () => {
    await go('', '.charts');
    expect(await page.locator('svg[role="img"]').count()).toBe(3);
    expect(await page.locator('svg polyline').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('svg rect').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('main table').textContent()).toContain('echo');
    await shot('dashboard');
    expect(await fitsNarrow()).toBeLessThanOrEqual(360);
  });

  it('refuses a change sent from the page without the CSRF token', async () => {
    const status = await page.evaluate(async () => {
      const res = await fetch('/ui/api/providers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"x","code":"x","baseUrl":"http://127.0.0.1:9"}',
      });
      return res.status;
    });
    expect(status).toBe(403);
    expect(await server.app.catalog.findProvider('x')).toBeFalsy();
  });

  it('made no request to any other host', () => {
    expect(requested.length).toBeGreaterThan(10);
    expect(requested.filter((url) => !url.startsWith(`${server.base}/`))).toEqual([]);
  });
});
