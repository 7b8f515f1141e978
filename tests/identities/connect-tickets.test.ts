import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { tempDir, testEnv } from '../helpers/app.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { createTicketBook, TICKET_TTL_MS } from '../../src/inbound/connect/tickets.js';
import { connectForm } from '../../src/inbound/connect/fields.js';
import type { ClientIdentity } from '../../src/core/identity.js';
import type { Provider } from '../../src/core/model.js';

/**
 * Connect tickets (SPEC §11): valid 10 minutes (the clock injected, not waited on), single-use, bound to
 * one identity record, capped; and the fields the page asks for per provider kind.
 */
const LINK = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]{43})/;

describe('a connect link on a running server', () => {
  let clock = Date.now();
  let server: InProcessServer;
  let upstream: Upstream;
  let token = '';

  beforeAll(async () => {
    upstream = await startUpstream();
    server = await startInProcess(testEnv(tempDir()), { connect: { now: () => clock } });
    const { catalog } = server.app;
    await catalog.createProvider({
      name: 'Per user',
      code: 'pu',
      baseUrl: upstream.url,
      authenticationType: 'API_KEY',
      apiKeyName: 'X-Key',
      credentialMode: 'per_user',
    });
    await catalog.createTool({ name: 'pu-echo', code: 'pu-echo', providerCode: 'pu', endpointPath: '/pu-echo' });
    token = (await catalog.clients.addClient({ name: 'tess' })).token;
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  async function linkFromCall(): Promise<string> {
    const client = new Client({ name: 'tickets', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    try {
      const result = await client.callTool({ name: 'pu-echo', arguments: {} });
      const text = (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
      return LINK.exec(text)![1]!;
    } finally {
      await client.close();
    }
  }

  const post = (url: string, fields: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

  it('expires after 10 minutes: 410, nothing stored', async () => {
    const link = await linkFromCall();
    clock += TICKET_TTL_MS - 1_000;
    expect((await fetch(link)).status).toBe(200);
    clock += 1_000;
    const page = await fetch(link);
    expect(page.status).toBe(410);
    expect(await page.text()).toMatch(/expired/);
    expect((await post(link, { token, apiKeyValue: 'too-late-key' })).status).toBe(410);
    expect(await server.app.catalog.credentials.listCredentials('tess')).toEqual([]);
  });

  it('is refused for the same name added again (another identity record)', async () => {
    const link = await linkFromCall();
    await server.app.catalog.clients.removeClient('tess');
    const again = (await server.app.catalog.clients.addClient({ name: 'tess' })).token;
    expect((await post(link, { token: again, apiKeyValue: 'new-tess-key' })).status).toBe(410);
    expect(await server.app.catalog.credentials.listCredentials('tess')).toEqual([]);
    token = again;
  });

  it('is burnt after five wrong tokens', async () => {
    const link = await linkFromCall();
    for (let i = 0; i < 5; i++) expect((await post(link, { token: `tw_wrong_${i}`, apiKeyValue: 'k' })).status).toBe(403);
    expect((await post(link, { token, apiKeyValue: 'right-but-late' })).status).toBe(410);
  });
});

describe('the ticket book', () => {
  const identity = (name: string): ClientIdentity => ({
    name,
    providers: [],
    tools: [],
    admin: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    rotatedAt: null,
    subject: null,
    rateLimit: null,
  });
  const need = { providerId: 1, providerCode: 'pu', clientName: 'a' };

  it('mints unguessable tickets and keeps only their hashes pending, capped per identity and in all', async () => {
    const book = createTicketBook({ maxPerClient: 3, maxPending: 5 });
    const first = await book.mint(need, identity('a'));
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    for (let i = 0; i < 3; i++) await book.mint(need, identity('a'));
    expect((await book.find(first)).ok).toBe(false); // the identity's oldest made room
    expect(await book.size()).toBe(3);
    const others: string[] = [];
    for (const i of [1, 2, 3]) others.push(await book.mint(need, identity(`b${i}`)));
    expect(await book.size()).toBe(5);
    expect((await Promise.all(others.map((t) => book.find(t)))).every((found) => found.ok)).toBe(true);
  });

  it('tells a waiting call when its ticket is used, even after the fact, and not when it expires', async () => {
    let now = 0;
    const book = createTicketBook({ now: () => now, ttlMs: 1_000 });
    const ticket = await book.mint(need, identity('a'));
    const waiting = book.used(ticket);
    await book.use(ticket);
    expect(await waiting).toBe(true);
    expect(await book.used(ticket)).toBe(true);
    expect((await book.find(ticket)).ok).toBe(false);
    const other = await book.mint(need, identity('a'));
    now = 1_000;
    expect(await book.used(other)).toBe(false);
  });
});

describe('the fields the page asks for', () => {
  const base = { name: 'P', code: 'p', authenticationType: 'NONE', isDynamicAuth: false, dynamicAuthPayload: null } as unknown as Provider;
  const fieldNames = (p: Partial<Provider> | Record<string, unknown>) => {
    const form = connectForm({ ...base, ...p } as Provider);
    return form.kind === 'secrets' ? form.fields.map((f) => f.name) : form.kind;
  };

  it('asks each kind for exactly its secret fields', () => {
    for (const type of ['API_KEY', 'BEARER_TOKEN', 'BASIC_AUTH']) expect(fieldNames({ kind: 'http', authenticationType: type })).toEqual(['apiKeyValue']);
    expect(fieldNames({ kind: 'mcp' })).toEqual(['api_key']);
    expect(fieldNames({ kind: 'http', isDynamicAuth: true, dynamicAuthPayload: '{"user":"u","password":"p"}' })).toEqual([
      'dynamicAuthPayload.user',
      'dynamicAuthPayload.password',
    ]);
    expect(fieldNames({ kind: 'http', isDynamicAuth: true, dynamicAuthPayload: 'login=a&secret=b' })).toEqual([
      'dynamicAuthPayload.login',
      'dynamicAuthPayload.secret',
    ]);
    expect(fieldNames({ kind: 'http', authenticationType: 'OAUTH2' })).toBe('oauth2');
    expect(fieldNames({ kind: 'http' })).toBe('unsupported');
  });
});
