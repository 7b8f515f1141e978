import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Log } from '../../src/core/log.js';
import { startAdmin, type AdminHarness } from './harness.js';

/** `/admin/clients` (SPEC §11): identities over the admin API; a token in exactly one answer. */

let admin: AdminHarness | null = null;
afterEach(async () => {
  await admin?.close();
  admin = null;
});

function recordingLog(lines: string[]): Log {
  const push = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

const TOKEN = /^twc_[A-Za-z0-9_-]{43}$/;

function databaseBytes(db: string): Buffer {
  return Buffer.concat([db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

describe('/admin/clients', () => {
  it('creates, lists, rotates and deletes identities; each token is in its one answer only', async () => {
    const lines: string[] = [];
    admin = await startAdmin({ TOOLWIRE_LOG_LEVEL: 'debug' }, recordingLog(lines));
    const { app } = admin;
    expect((await admin.call('POST', '/providers', { name: 'GitHub', code: 'github', baseUrl: 'https://api.github.com' })).status).toBe(201);

    const created = await admin.call('POST', '/clients', { name: 'alice', providers: ['github'], tools: ['gh_*'], admin: true });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/admin/clients/alice');
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.json).toEqual({
      name: 'alice',
      providers: ['github'],
      tools: ['gh_*'],
      admin: true,
      createdAt: expect.any(String),
      rotatedAt: null,
      subject: null,
      rateLimit: null,
      token: expect.stringMatching(TOKEN),
    });
    const first: string = created.json.token;
    expect((await app.catalog.clients.findClientByToken(first))?.name).toBe('alice');

    const plain = await admin.call('POST', '/clients', { name: 'bob' });
    expect(plain.status).toBe(201);
    expect(plain.json).toMatchObject({ name: 'bob', providers: [], tools: [], admin: false });
    const bob: string = plain.json.token;

    const list = await admin.call('GET', '/clients');
    expect(list.status).toBe(200);
    expect(list.json).toEqual([
      { name: 'alice', providers: ['github'], tools: ['gh_*'], admin: true, createdAt: expect.any(String), rotatedAt: null, subject: null, rateLimit: null },
      { name: 'bob', providers: [], tools: [], admin: false, createdAt: expect.any(String), rotatedAt: null, subject: null, rateLimit: null },
    ]);

    const rotated = await admin.call('POST', '/clients/alice/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ name: 'alice', rotatedAt: expect.any(String), token: expect.stringMatching(TOKEN) });
    const second: string = rotated.json.token;
    expect(second).not.toBe(first);
    expect(await app.catalog.clients.findClientByToken(first)).toBeNull();
    expect((await app.catalog.clients.findClientByToken(second))?.name).toBe('alice');

    const removed = await admin.call('DELETE', '/clients/bob');
    expect(removed.status).toBe(204);
    expect(await app.catalog.clients.findClientByToken(bob)).toBeNull();
    const after = await admin.call('GET', '/clients');
    expect(after.json.map((c: { name: string }) => c.name)).toEqual(['alice']);

    // Each token appears in the one answer that issued it and nowhere else: not in lists, logs or the database files.
    const others = (token: string) => admin?.bodies.filter((b) => !b.includes(`"token":"${token}"`)) ?? [];
    for (const token of [first, second, bob]) {
      expect(admin.bodies.filter((b) => b.includes(token))).toHaveLength(1);
      expect(others(token).some((b) => b.includes(token.slice(4)))).toBe(false);
      expect(lines.join('\n')).not.toContain(token.slice(4));
      const bytes = databaseBytes(app.config.dbPath);
      expect(bytes.includes(token)).toBe(false);
      expect(bytes.includes(token.slice(4))).toBe(false);
    }
    for (const body of [list.text, after.text]) expect(body).not.toMatch(/token|hash|[0-9a-f]{64}/i);
  });

  it("changes an identity's scope and admin right with PUT, each field given replacing it, never a token", async () => {
    admin = await startAdmin();
    await admin.app.catalog.createProvider({ name: 'Git', code: 'github', baseUrl: 'http://127.0.0.1:9' });
    expect((await admin.call('POST', '/clients', { name: 'alice', tools: ['gh_*'] })).status).toBe(201);
    const changed = await admin.call('PUT', '/clients/alice', { providers: ['github'], admin: true });
    expect(changed.status).toBe(200);
    expect(changed.json).toEqual({
      name: 'alice',
      providers: ['github'],
      tools: ['gh_*'],
      admin: true,
      createdAt: expect.any(String),
      rotatedAt: null,
      subject: null,
      rateLimit: null,
    });
    const none = await admin.call('PUT', '/clients/alice', { tools: [''], providers: [] });
    expect(none.json).toMatchObject({ providers: [], tools: [''], admin: true });
    expect((await admin.call('GET', '/clients')).json).toEqual([none.json]);
  });

  it('answers bad input with 400/404/409 naming the field and the fix, and writes nothing', async () => {
    admin = await startAdmin();
    expect((await admin.call('POST', '/clients', { name: 'alice' })).status).toBe(201);
    const before = (await admin.call('GET', '/clients')).text;
    const version = await admin.app.store.registryVersion();

    const badName = await admin.call('POST', '/clients', { name: 'a b' });
    expect(badName.status).toBe(400);
    expect(badName.json).toMatchObject({ error: 'invalid_request', fields: [{ field: 'name', message: expect.stringContaining('must be 1-64 of') }] });

    const unknown = await admin.call('POST', '/clients', { name: 'bob', providers: ['nope'] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.fields).toEqual([{ field: 'providers[0]', message: expect.stringContaining('"nope", which does not exist') }]);
    expect(unknown.json.message).toContain('GET /admin/providers');

    const typo = await admin.call('POST', '/clients', { name: 'bob', provider: ['x'] });
    expect(typo.status).toBe(400);
    expect(typo.json.message).toContain('provider');

    expect((await admin.call('POST', '/clients', { name: 'bob', tools: 'x*' })).json.fields[0].field).toBe('tools');
    expect((await admin.call('POST', '/clients', ['bob'])).status).toBe(400);
    expect((await admin.call('POST', '/clients', '{"name":')).status).toBe(400);

    const duplicate = await admin.call('POST', '/clients', { name: 'alice' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toMatchObject({ error: 'conflict', message: expect.stringContaining('A client named "alice" already exists') });

    for (const [method, path] of [
      ['DELETE', '/clients/bob'],
      ['POST', '/clients/bob/rotate'],
    ] as const) {
      const missing = await admin.call(method, path);
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ error: 'not_found', message: expect.stringContaining('GET /admin/clients') });
    }
    const wrongMethod = await admin.call('POST', '/clients/alice');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('PUT, DELETE');

    // A change: unknown client 404, unknown field or provider 400 naming it.
    expect((await admin.call('PUT', '/clients/bob', { admin: true })).status).toBe(404);
    const badChange = await admin.call('PUT', '/clients/alice', { providers: ['nope'] });
    expect(badChange.status).toBe(400);
    expect(badChange.json.fields).toEqual([{ field: 'providers[0]', message: expect.stringContaining('"nope", which does not exist') }]);
    const badField = await admin.call('PUT', '/clients/alice', { name: 'renamed' });
    expect(badField.status).toBe(400);
    expect(badField.json.message).toContain('name');
    expect((await admin.call('PUT', '/clients/alice', { tools: ['a b'] })).json.fields[0].field).toBe('tools[0]');

    expect((await admin.call('GET', '/clients')).text).toBe(before);
    expect(await admin.app.store.registryVersion()).toBe(version);
  });
});
