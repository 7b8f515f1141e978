import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import type { DatabaseTarget } from '../../src/core/database-target.js';
import { maskUrl } from '../../src/core/database-target.js';
import type { NewVaultCredential } from '../../src/core/vaults.js';
import { createStore, type Store } from '../../src/store/index.js';
import { finishRotation, rotateKey } from '../../src/store/key-rotation.js';
import { tempDir, TEST_KEY } from '../helpers/app.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * The store through `createStore`, on SQLite and on PostgreSQL: the same calls, the same answers. Each test
 * opens its own empty database (a SQLite file, or one of the PostgreSQL databases made for this file).
 */

const KEY = Buffer.from(TEST_KEY, 'hex');
const PG_DATABASES = 14;
const pgUrls = await Promise.all(Array.from({ length: PG_DATABASES }, () => freshDatabase()));

type Dialect = DatabaseTarget['dialect'];
const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** A new empty database of the dialect. */
function newTarget(dialect: Dialect): DatabaseTarget {
  if (dialect === 'sqlite') {
    const path = join(tempDir(), 'toolwire.db');
    return { dialect, path, display: path };
  }
  const url = pgUrls.shift();
  if (!url) throw new Error(`store-suite.test.ts needs more PostgreSQL databases: raise PG_DATABASES (${PG_DATABASES}).`);
  return { dialect, url, display: maskUrl(url) };
}

async function open(target: DatabaseTarget, key = KEY): Promise<Store> {
  const store = await createStore(target, key, { poolSize: 4 });
  opened.push(store);
  return store;
}

describe.each(['sqlite', 'postgres'] as const)('the store on %s', (dialect) => {
  it('creates, reads, updates and removes providers and tools, with revisions and removals', async () => {
    const store = await open(newTarget(dialect));
    expect(store.dialect).toBe(dialect);
    expect(store.fileProblem()).toBeNull();
    const catalog = new Catalog(store);
    const provider = await catalog.createProvider({ name: 'Weather', code: 'weather', baseUrl: 'http://127.0.0.1:9', enabled: true });
    expect(provider).toMatchObject({ id: expect.any(Number), code: 'weather', enabled: true, kind: 'http', baseUrl: 'http://127.0.0.1:9' });
    const seq0 = await store.tools.changeSeq();
    const tool = await catalog.createTool({ name: 'Forecast', code: 'forecast', providerCode: 'weather', endpointPath: '/f' });
    expect(tool).toMatchObject({ code: 'forecast', providerCode: 'weather', enabled: true, parameters: [] });
    expect(await store.tools.changeSeq()).toBe(seq0 + 1);
    const seq1 = await store.tools.changeSeq();
    await catalog.updateTool('forecast', { name: 'Forecast 2', code: 'forecast', providerCode: 'weather', endpointPath: '/g' });
    expect((await store.tools.changesSince(seq1)).changed.map((t) => t.name)).toEqual(['Forecast 2']);
    const other = await catalog.createTool({ name: 'Other', code: 'other', providerCode: 'weather', endpointPath: '/o' });
    const seq2 = await store.tools.changeSeq();
    await catalog.removeTool('other');
    expect(await store.tools.changesSince(seq2)).toEqual({ changed: [], removed: [other.id] });
    expect((await catalog.listTools()).map((t) => t.code)).toEqual(['forecast']);
    expect(await store.tools.findByCode('forecast')).toMatchObject({ endpointPath: '/g' });
    expect(await store.tools.listByProvider(provider.id)).toHaveLength(1);
    expect(await store.providers.findByCode('weather')).toMatchObject({ id: provider.id });
    await catalog.removeProvider('weather');
    expect(await catalog.listProviders()).toEqual([]);
    expect(await catalog.listTools()).toEqual([]);
  });

  it('bumps the registry version on catalog writes, refuses a duplicate with CONFLICT, and a failed multi-step write leaves nothing', async () => {
    const store = await open(newTarget(dialect));
    const catalog = new Catalog(store);
    const v0 = await store.registryVersion();
    const before = await store.dataVersion();
    const p = await catalog.createProvider({ name: 'A', code: 'a', baseUrl: 'http://127.0.0.1:9' });
    expect(await store.registryVersion()).toBeGreaterThan(v0);
    if (dialect === 'postgres') expect(await store.dataVersion()).not.toBe(before);
    await expect(catalog.createProvider({ name: 'A again', code: 'a', baseUrl: 'http://127.0.0.1:9' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('"a" already exists'),
    });
    // Two providers in one write, the second a duplicate: the first is not kept either.
    const v1 = await store.registryVersion();
    await expect(
      catalog.write(async () => {
        await catalog.createProvider({ name: 'B', code: 'b', baseUrl: 'http://127.0.0.1:9' });
        await catalog.createProvider({ name: 'A', code: 'a', baseUrl: 'http://127.0.0.1:9' });
      }, null),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await catalog.listProviders()).map((x) => x.code)).toEqual(['a']);
    expect(await store.registryVersion()).toBe(v1);
    // A unique index the catalog does not check first: the database's own refusal is a CONFLICT too, and rolls back.
    const q = await catalog.createProvider({ name: 'Q', code: 'q', baseUrl: 'http://127.0.0.1:9' });
    await expect(
      store.transaction(async () => {
        await store.mcpRegistrations.add(p.id, 'https://mcp.example.com/mcp');
        await store.mcpRegistrations.add(q.id, 'https://mcp.example.com/mcp');
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Nothing was written') });
    expect(await store.mcpRegistrations.list()).toEqual([]);
    await store.transaction(() => store.mcpRegistrations.add(q.id, 'stdio:q'));
    expect(await store.mcpRegistrations.list()).toEqual([{ providerId: q.id, serverKey: 'stdio:q' }]);
  });

  it('keeps vaults and their credentials, the newest token per server, sealed in the table', async () => {
    const store = await open(newTarget(dialect));
    const catalog = new Catalog(store);
    const token = `vault-canary-${randomBytes(4).toString('hex')}`;
    const credential = (accessToken: string, url = 'https://mcp.example.com/mcp'): NewVaultCredential => ({
      mcpServerUrl: url,
      protocol: 'streamable_http',
      type: 'static_bearer',
      accessToken,
    });
    const v0 = await store.registryVersion();
    const { vault, credentials } = await catalog.vaults.create('Team', [credential(token)], 'owner');
    expect(await store.registryVersion()).toBeGreaterThan(v0);
    expect(await catalog.vaults.list('owner')).toEqual([expect.objectContaining({ id: vault.id, displayName: 'Team', owner: null })]);
    expect(await store.vaults.tokenFor('https://mcp.example.com/mcp', 'streamable_http')).toBe(token);
    const newer = await catalog.vaults.addCredential(vault.id, credential(`${token}-2`), 'owner');
    expect(await store.vaults.tokenFor('https://mcp.example.com/mcp', 'streamable_http')).toBe(`${token}-2`);
    expect(await store.vaults.sharedTokens()).toEqual([
      { mcpServerUrl: 'https://mcp.example.com/mcp', protocol: 'streamable_http', accessToken: `${token}-2` },
    ]);
    expect((await store.vaults.listCredentials(vault.id)).map((c) => c.id)).toEqual([credentials[0]?.id, newer?.id]);
    const raw = await store.driver.all<{ access_token_enc: string }>('SELECT access_token_enc FROM vault_credentials');
    expect(raw).toHaveLength(2);
    for (const row of raw) {
      expect(row.access_token_enc).toMatch(/^v1:/);
      expect(row.access_token_enc).not.toContain(token);
    }
    // A client's own vault lends its token to nobody else.
    await catalog.clients.addClient({ name: 'alice' });
    await catalog.vaults.create('Mine', [credential('alice-token', 'https://other.example.com/mcp')], 'alice');
    expect(await store.vaults.tokenFor('https://other.example.com/mcp', 'streamable_http')).toBeNull();
    expect(await store.vaults.clientTokens()).toEqual([
      { clientName: 'alice', mcpServerUrl: 'https://other.example.com/mcp', protocol: 'streamable_http', accessToken: 'alice-token' },
    ]);
    expect(await catalog.vaults.removeCredential(vault.id, newer?.id ?? '', 'owner')).toBe(true);
    expect(await store.vaults.tokenFor('https://mcp.example.com/mcp', 'streamable_http')).toBe(token);
    expect(await catalog.vaults.remove(vault.id, 'owner')).toBe(true);
    expect(await store.vaults.getVault(vault.id)).toBeNull();
    expect(await store.vaults.tokenFor('https://mcp.example.com/mcp', 'streamable_http')).toBeNull();
  });

  it('adds, finds, rotates, updates and removes clients; a JWT subject becomes one identity', async () => {
    const store = await open(newTarget(dialect));
    const catalog = new Catalog(store);
    await catalog.createProvider({ name: 'Mail', code: 'mail', baseUrl: 'http://127.0.0.1:9' });
    const { client, token } = await catalog.clients.addClient({ name: 'alice', providers: ['mail'], tools: ['mail-*'] });
    expect(client).toMatchObject({ name: 'alice', providers: ['mail'], tools: ['mail-*'], admin: false, rotatedAt: null, subject: null });
    expect(await catalog.clients.findClientByToken(token)).toMatchObject({ name: 'alice' });
    await expect(catalog.clients.addClient({ name: 'alice' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const rotated = await catalog.clients.rotateClient('alice');
    expect(rotated.token).not.toBe(token);
    expect(await catalog.clients.findClientByToken(token)).toBeNull();
    expect(await catalog.clients.findClientByToken(rotated.token)).toMatchObject({ name: 'alice', rotatedAt: expect.any(String) });
    expect(await catalog.clients.updateClient('alice', { admin: true, rateLimit: { perMinute: 7 } })).toMatchObject({
      admin: true,
      rateLimit: { perMinute: 7 },
    });
    const subject = await catalog.clients.subjectClient('sub-123', { providers: ['mail'], tools: [] });
    expect(subject).toMatchObject({ name: 'sub-123', subject: 'sub-123' });
    expect(await catalog.clients.subjectClient('sub-123', { providers: [], tools: [] })).toMatchObject({ name: 'sub-123' });
    expect(await store.clients.findBySubject('sub-123')).toMatchObject({ name: 'sub-123' });
    expect([...(await catalog.clients.tokenIndex()).values()].map((c) => c.name).sort()).toEqual(['alice', 'sub-123']);
    // No read gives a token hash out.
    expect(JSON.stringify(await catalog.clients.listClients())).not.toMatch(/token_hash|tokenHash/);
    await catalog.clients.removeClient('alice');
    expect(await store.clients.findByName('alice')).toBeNull();
    expect((await catalog.clients.listClients()).map((c) => c.name)).toEqual(['sub-123']);
  });

  it("keeps each client's own credentials sealed; a refreshed token bumps nothing", async () => {
    const store = await open(newTarget(dialect));
    const catalog = new Catalog(store);
    const provider = await catalog.createProvider({
      name: 'Own',
      code: 'pu',
      baseUrl: 'http://127.0.0.1:9',
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-Key',
      credentialMode: 'per_user',
    });
    await catalog.clients.addClient({ name: 'alice', providers: ['pu'] });
    const secret = `alice-canary-${randomBytes(4).toString('hex')}`;
    const v0 = await store.registryVersion();
    await catalog.credentials.setCredential('alice', 'pu', { apiKeyValue: secret });
    expect(await store.registryVersion()).toBeGreaterThan(v0);
    expect(await catalog.credentials.index()).toEqual([
      expect.objectContaining({ clientName: 'alice', providerId: provider.id, providerCode: 'pu', secrets: { apiKeyValue: secret } }),
    ]);
    const [raw] = await store.driver.all<{ secrets_enc: string }>('SELECT secrets_enc FROM client_credentials');
    expect(raw?.secrets_enc).toMatch(/^v1:/);
    expect(raw?.secrets_enc).not.toContain(secret);
    const v1 = await store.registryVersion();
    const tokens = { accessToken: 'renewed-access', refreshToken: 'renewed-refresh', expiresAt: 1_900_000_000_000, obtainedAt: 1_800_000_000_000 };
    expect(await catalog.credentials.storeRefreshed('alice', provider.id, tokens)).toBe(true);
    expect(await store.registryVersion()).toBe(v1);
    expect((await store.clientCredentials.listByClient('alice'))[0]?.secrets).toEqual({ apiKeyValue: secret, oauth: tokens });
    expect(await catalog.credentials.storeRefreshed('nobody', provider.id, tokens)).toBe(false);
    await catalog.credentials.removeCredential('alice', 'pu');
    expect(await catalog.credentials.index()).toEqual([]);
    expect(await store.registryVersion()).toBeGreaterThan(v1);
  });

  it('writes audit entries in batches, pages them by client, tool, time and cursor, and prunes old ones', async () => {
    const store = await open(newTarget(dialect));
    const catalog = new Catalog(store);
    const call = (at: string, actor: string, tool: string) => ({
      at,
      actor,
      tool,
      provider: 'p',
      outcome: 'ok' as const,
      status: 200,
      durationMs: 12.5,
      bytesOut: 10,
      bytesIn: 3_000_000_000,
      arguments: null,
    });
    const v0 = await store.registryVersion();
    await catalog.audit.recordCalls([
      call('2026-01-01T00:00:00.000Z', 'alice', 't1'),
      call('2026-01-02T00:00:00.000Z', 'bob', 't1'),
      call('2026-01-03T00:00:00.000Z', 'alice', 't2'),
    ]);
    expect(await store.registryVersion()).toBe(v0);
    const all = await catalog.audit.page({});
    expect(all.entries.map((e) => [e.kind, e.actor, e.kind === 'call' ? e.tool : null])).toEqual([
      ['call', 'alice', 't2'],
      ['call', 'bob', 't1'],
      ['call', 'alice', 't1'],
    ]);
    expect(all.entries[0]).toMatchObject({ durationMs: 12.5, bytesIn: 3_000_000_000, status: 200, arguments: null });
    expect((await catalog.audit.page({ client: 'alice' })).entries.map((e) => e.at)).toEqual(['2026-01-03T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect((await catalog.audit.page({ tool: 't1' })).entries.map((e) => e.actor)).toEqual(['bob', 'alice']);
    expect((await catalog.audit.page({ since: '2026-01-02T00:00:00.000Z' })).entries).toHaveLength(2);
    const first = await catalog.audit.page({ limit: 2 });
    expect(first.entries).toHaveLength(2);
    const second = await catalog.audit.page({ limit: 2, cursor: first.nextCursor ?? '' });
    expect(second).toEqual({ entries: [expect.objectContaining({ actor: 'alice', tool: 't1' })], nextCursor: null });
    // An admin change is written in its own write.
    await catalog.as('admin-1').createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    expect((await catalog.audit.page({ client: 'admin-1' })).entries).toEqual([
      expect.objectContaining({ kind: 'change', actor: 'admin-1', action: 'provider.create', object: 'provider:p' }),
    ]);
    expect(await catalog.audit.prune('2026-01-02T12:00:00.000Z')).toBe(2);
    expect((await catalog.audit.page({ tool: 't1' })).entries).toEqual([]);
    expect((await store.audit.callsSince('2026-01-01T00:00:00.000Z', 10)).map((c) => c.durationMs)).toEqual([12.5]);
  });

  it('reads every rate limit in one index', async () => {
    const store = await open(newTarget(dialect));
    const catalog = new Catalog(store);
    await catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9', rateLimit: { perMinute: 60 } });
    await catalog.createTool({ name: 'T', code: 't', providerCode: 'p', endpointPath: '/t', rateLimit: { perMinute: 6 } });
    await catalog.createTool({ name: 'U', code: 'u', providerCode: 'p', endpointPath: '/u' });
    await catalog.clients.addClient({ name: 'alice', rateLimit: { perMinute: 3 } });
    const limits = await catalog.rateLimits();
    expect([...limits.providers]).toEqual([['p', 60]]);
    expect([...limits.tools]).toEqual([['t', 6]]);
    expect([...limits.clients]).toEqual([['alice', 3]]);
  });

  it('seals every secret of a provider in its row', async () => {
    const store = await open(newTarget(dialect));
    const catalog = new Catalog(store);
    const canary = `canary-${randomBytes(6).toString('hex')}`;
    await catalog.createProvider({
      name: 'Secret',
      code: 's',
      baseUrl: 'http://127.0.0.1:9',
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-Key',
      apiKeyValue: `${canary}-key`,
      customHeaders: { 'X-Extra': `${canary}-header` },
    });
    expect(await catalog.getProvider('s')).toMatchObject({ apiKeyValue: `${canary}-key`, customHeaders: { 'X-Extra': `${canary}-header` } });
    const row = await store.driver.get<Record<string, unknown>>('SELECT * FROM providers WHERE code = ?', ['s']);
    expect(JSON.stringify(row)).not.toContain(canary);
    expect(row?.api_key_value_enc).toMatch(/^v1:/);
  });

  it('rotates the master key: either key opens the database until finish, then only the new one', async () => {
    const target = newTarget(dialect);
    const store = await open(target);
    const catalog = new Catalog(store);
    await catalog.createProvider({ name: 'S', code: 's', baseUrl: 'http://127.0.0.1:9', authenticationType: 'BEARER_TOKEN', apiKeyValue: 'the-secret' });
    await catalog.vaults.create(
      'Team',
      [{ mcpServerUrl: 'https://m.example.com/mcp', protocol: 'streamable_http', type: 'static_bearer', accessToken: 'vt' }],
      'owner',
    );
    const sealedBefore = (await store.driver.get<{ v: string }>('SELECT api_key_value_enc AS v FROM providers'))?.v;
    const newKey = randomBytes(32);
    const counts = await rotateKey(store.database, newKey);
    expect(counts).toMatchObject({ 'providers.api_key_value_enc': 1, 'vault_credentials.access_token_enc': 1 });
    expect((await store.driver.get<{ v: string }>('SELECT api_key_value_enc AS v FROM providers'))?.v).not.toBe(sealedBefore);
    expect((await catalog.getProvider('s')).apiKeyValue).toBe('the-secret');
    // Another process still holding the old key follows; one with the new key opens it too.
    const old = await open(target, KEY);
    expect((await old.providers.findByCode('s'))?.apiKeyValue).toBe('the-secret');
    const fresh = await open(target, newKey);
    expect((await fresh.providers.findByCode('s'))?.apiKeyValue).toBe('the-secret');
    expect(await finishRotation(fresh.database, newKey)).toEqual({});
    expect(await finishRotation(fresh.database, newKey)).toBeNull();
    await expect(createStore(target, KEY)).rejects.toMatchObject({ code: 'WRONG_KEY' });
    expect(await fresh.vaults.tokenFor('https://m.example.com/mcp', 'streamable_http')).toBe('vt');
  });

  it('a store opened before another rotated the key follows it: what it seals then opens with the new key alone', async () => {
    const target = newTarget(dialect);
    const running = await open(target);
    const rotator = await open(target);
    const newKey = randomBytes(32);
    await rotateKey(rotator.database, newKey);
    await new Catalog(running).createProvider({
      name: 'Late',
      code: 'late',
      baseUrl: 'http://127.0.0.1:9',
      authenticationType: 'BEARER_TOKEN',
      apiKeyValue: 'sealed-after-rotation',
    });
    expect(await finishRotation(rotator.database, newKey)).toEqual({});
    const fresh = await open(target, newKey);
    expect((await fresh.providers.findByCode('late'))?.apiKeyValue).toBe('sealed-after-rotation');
  });

  it('refuses a key that does not open the database, writing nothing', async () => {
    const target = newTarget(dialect);
    const store = await open(target);
    await new Catalog(store).createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    const version = await store.registryVersion();
    await expect(createStore(target, randomBytes(32))).rejects.toMatchObject({ code: 'WRONG_KEY' });
    expect(await store.registryVersion()).toBe(version);
    expect((await store.providers.list()).map((p) => p.code)).toEqual(['p']);
  });
});

describe('several stores on one PostgreSQL database', () => {
  it('serialise their catalog writes: racing creations of one code give one provider and CONFLICTs, never a raw error', async () => {
    const target = newTarget('postgres');
    const stores = [await open(target), await open(target)];
    const catalogs = stores.map((s) => new Catalog(s));
    const v0 = await stores[0]!.registryVersion();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => catalogs[i % 2]!.createProvider({ name: `Same ${i}`, code: 'same', baseUrl: 'http://127.0.0.1:9' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('"same" already exists') });
    }
    // Different codes from both at once: every one written, each bump counted once.
    await Promise.all(Array.from({ length: 10 }, (_, i) => catalogs[i % 2]!.createProvider({ name: `P${i}`, code: `p${i}`, baseUrl: 'http://127.0.0.1:9' })));
    expect(await catalogs[1]!.listProviders()).toHaveLength(11);
    expect(await stores[1]!.registryVersion()).toBe(v0 + 11);
    // Tools from both: distinct revisions, in the order of tool_seq.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => catalogs[i % 2]!.createTool({ name: `T${i}`, code: `t${i}`, providerCode: `p${i}`, endpointPath: '/t' })),
    );
    const seq = await stores[0]!.tools.changeSeq();
    const revisions = (await stores[0]!.driver.all<{ revision: number }>('SELECT revision FROM tools ORDER BY revision')).map((r) => r.revision);
    expect(revisions).toEqual(Array.from({ length: 10 }, (_, i) => seq - 9 + i));
  });

  it('an unreachable server is a STORAGE error naming the URL with its password masked', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const url = `postgres://toolwire:hunter2-secret@127.0.0.1:${port}/nowhere`;
    const error = await createStore({ dialect: 'postgres', url, display: maskUrl(url) }, KEY).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'STORAGE', message: expect.stringContaining(`postgres://toolwire:***@127.0.0.1:${port}/nowhere`) });
    expect((error as Error).message).toMatch(/cannot be reached/);
    expect((error as Error).message).not.toContain('hunter2');
  });
});
