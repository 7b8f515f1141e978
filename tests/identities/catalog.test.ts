import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ToolwireError } from '../../src/core/errors.js';
import { makeApp } from '../helpers/app.js';

let app: App;
afterEach(async () => {
  await app?.close();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The clients table as a second connection reads it from the file. */
function rows(path: string): Array<Record<string, unknown>> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare('SELECT * FROM clients ORDER BY id').all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

async function addProvider(code: string) {
  await app.catalog.createProvider({ name: code, code, baseUrl: 'https://api.example.com' });
}

/** The error a call throws, for asserting its code and message. */
async function failure(fn: () => unknown): Promise<ToolwireError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ToolwireError);
    return err as ToolwireError;
  }
  throw new Error('expected the call to fail');
}

describe('client identities in the catalog', () => {
  it('adds an identity with a twc_ token that is stored only as its SHA-256', async () => {
    app = await makeApp();
    await addProvider('github');
    const { client, token } = await app.catalog.clients.addClient({ name: 'alice', providers: ['github', 'github'], tools: ['gh_*'], admin: true });
    expect(token).toMatch(/^twc_[A-Za-z0-9_-]{43}$/);
    expect(client).toEqual({
      name: 'alice',
      providers: ['github'],
      tools: ['gh_*'],
      admin: true,
      createdAt: expect.any(String),
      rotatedAt: null,
      subject: null,
      rateLimit: null,
    });
    const [row] = rows(app.config.dbPath);
    expect(row?.token_hash).toBe(sha256(token));
    expect(Object.values(row ?? {}).some((v) => typeof v === 'string' && v.includes(token.slice(4)))).toBe(false);
    expect(await app.catalog.clients.findClientByToken(token)).toEqual(client);
    expect(await app.catalog.clients.listClients()).toEqual([client]);
  });

  it('gives every identity its own token, and finds none for a wrong, foreign or empty one', async () => {
    app = await makeApp();
    const a = await app.catalog.clients.addClient({ name: 'a' });
    const b = await app.catalog.clients.addClient({ name: 'b' });
    expect(a.token).not.toBe(b.token);
    expect((await app.catalog.clients.findClientByToken(b.token))?.name).toBe('b');
    expect(await app.catalog.clients.findClientByToken(`${a.token}x`)).toBeNull();
    expect(await app.catalog.clients.findClientByToken(a.token.slice(4))).toBeNull();
    expect(await app.catalog.clients.findClientByToken(sha256(a.token))).toBeNull(); // the stored hash is not a token
    expect(await app.catalog.clients.findClientByToken('')).toBeNull();
  });

  it('rotates: the new token works, the old one stops at once', async () => {
    app = await makeApp();
    const first = await app.catalog.clients.addClient({ name: 'alice', tools: ['x*'] });
    const second = await app.catalog.clients.rotateClient('alice');
    expect(second.token).not.toBe(first.token);
    expect(await app.catalog.clients.findClientByToken(first.token)).toBeNull();
    expect(await app.catalog.clients.findClientByToken(second.token)).toMatchObject({ name: 'alice', tools: ['x*'], rotatedAt: expect.any(String) });
    expect(rows(app.config.dbPath)[0]?.token_hash).toBe(sha256(second.token));
  });

  it('removes an identity and its token with it', async () => {
    app = await makeApp();
    const { token } = await app.catalog.clients.addClient({ name: 'alice' });
    expect((await app.catalog.clients.removeClient('alice')).name).toBe('alice');
    expect(await app.catalog.clients.findClientByToken(token)).toBeNull();
    expect(await app.catalog.clients.listClients()).toEqual([]);
    expect(rows(app.config.dbPath)).toEqual([]);
  });

  it('refuses bad input with a message naming the field and the fix, and writes nothing', async () => {
    app = await makeApp();
    await addProvider('github');
    await app.catalog.clients.addClient({ name: 'alice' });
    const before = { clients: rows(app.config.dbPath), version: await app.store.registryVersion() };

    const badName = await failure(async () => app.catalog.clients.addClient({ name: 'al ice' }));
    expect(badName.code).toBe('INVALID_INPUT');
    expect(badName.message).toContain('name must be 1-64 of');
    expect(badName.message).toContain('"al ice"');
    expect((await failure(async () => app.catalog.clients.addClient({ name: 'x'.repeat(65) }))).code).toBe('INVALID_INPUT');
    expect((await failure(async () => app.catalog.clients.addClient({ name: '' }))).code).toBe('INVALID_INPUT');
    expect((await failure(async () => app.catalog.clients.addClient({ name: 'owner' }))).message).toContain('reserved for the TOOLWIRE_TOKEN holder');

    const unknown = await failure(async () => app.catalog.clients.addClient({ name: 'bob', providers: ['github', 'nope'] }));
    expect(unknown.code).toBe('INVALID_INPUT');
    expect(unknown.message).toContain('providers[1] names provider "nope", which does not exist');
    expect(unknown.message).toContain('toolwire provider list');

    const glob = await failure(async () => app.catalog.clients.addClient({ name: 'bob', tools: ['a b'] }));
    expect(glob.code).toBe('INVALID_INPUT');
    expect(glob.issues[0]?.field).toBe('tools[0]');
    expect((await failure(async () => app.catalog.clients.addClient({ name: 'bob', admin: 'yes' }))).issues[0]?.field).toBe('admin');
    expect((await failure(async () => app.catalog.clients.addClient({ name: 'bob', provider: ['github'] }))).code).toBe('INVALID_INPUT');

    const duplicate = await failure(async () => app.catalog.clients.addClient({ name: 'alice' }));
    expect(duplicate.code).toBe('CONFLICT');
    expect(duplicate.message).toContain('A client named "alice" already exists');

    expect((await failure(async () => app.catalog.clients.removeClient('bob'))).code).toBe('NOT_FOUND');
    const rotate = await failure(async () => app.catalog.clients.rotateClient('bob'));
    expect(rotate.code).toBe('NOT_FOUND');
    expect(rotate.message).toContain('toolwire client list');

    expect({ clients: rows(app.config.dbPath), version: await app.store.registryVersion() }).toEqual(before);
  });

  it('moves the registry version on every client write, so the watcher of any process notices', async () => {
    app = await makeApp();
    const versions = [await app.store.registryVersion()];
    await app.catalog.clients.addClient({ name: 'alice' });
    versions.push(await app.store.registryVersion());
    await app.catalog.clients.rotateClient('alice');
    versions.push(await app.store.registryVersion());
    await app.catalog.clients.removeClient('alice');
    versions.push(await app.store.registryVersion());
    expect(new Set(versions).size).toBe(4);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
  });
});
