import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ToolwireError } from '../../src/core/errors.js';
import { callCredential, createUserCredentialIndex } from '../../src/outbound/credentials/per-user.js';
import { makeApp } from '../helpers/app.js';

/**
 * The catalog side of per-user credentials (SPEC §11) on a real store: what a write accepts and refuses,
 * what a list shows, and whose secrets a call would send for each mode and caller.
 */
let app: App;
afterEach(async () => {
  await app?.close();
});

async function seed(): Promise<App> {
  app = await makeApp();
  const { catalog } = app;
  await catalog.createProvider({
    name: 'Bearer',
    code: 'b',
    baseUrl: 'http://127.0.0.1:9',
    authenticationType: 'BEARER_TOKEN',
    apiKeyValue: 'shared-b',
    credentialMode: 'per_user',
  });
  await catalog.createProvider({
    name: 'Key',
    code: 'k',
    baseUrl: 'http://127.0.0.1:9',
    authenticationType: 'API_KEY',
    apiKeyValue: 'shared-k',
    credentialMode: 'per_user_or_shared',
  });
  await catalog.createProvider({ name: 'Shared', code: 's', baseUrl: 'http://127.0.0.1:9', authenticationType: 'API_KEY', apiKeyValue: 'shared-s' });
  await catalog.clients.addClient({ name: 'alice' });
  await catalog.clients.addClient({ name: 'bob' });
  return app;
}

const codeOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
    return 'no error';
  } catch (err) {
    return err instanceof ToolwireError ? `${err.code}: ${err.message}` : String(err);
  }
};

describe('credential catalog', () => {
  it('sets, lists (names only) and removes; a second set replaces the first', async () => {
    const { credentials } = (await seed()).catalog;
    await credentials.setCredential('alice', 'b', { apiKeyValue: 'alice-1', customHeaders: { 'X-Team': 'alice-h' } });
    await credentials.setCredential('alice', 'b', { apiKeyValue: 'alice-2' });
    const listed = await credentials.listCredentials('alice');
    expect(listed).toEqual([{ provider: 'b', credentialMode: 'per_user', fields: ['apiKeyValue'], updatedAt: expect.any(String) }]);
    expect(JSON.stringify(listed)).not.toContain('alice-');
    expect(await credentials.index()).toEqual([expect.objectContaining({ clientName: 'alice', providerCode: 'b', secrets: { apiKeyValue: 'alice-2' } })]);
    await credentials.removeCredential('alice', 'b');
    expect(await credentials.listCredentials('alice')).toEqual([]);
    expect(await codeOf(async () => credentials.removeCredential('alice', 'b'))).toMatch(
      /^NOT_FOUND: Client "alice" has no credential of its own for provider "b"/,
    );
  });

  it('refuses unknown clients, providers and fields with messages naming them, writing nothing', async () => {
    const { credentials } = (await seed()).catalog;
    expect(await codeOf(async () => credentials.setCredential('zed', 'b', { apiKeyValue: 'x' }))).toMatch(/^NOT_FOUND: No client named "zed"/);
    expect(await codeOf(async () => credentials.setCredential('alice', 'nope', { apiKeyValue: 'x' }))).toMatch(/^NOT_FOUND: No provider with code "nope"/);
    expect(await codeOf(async () => credentials.setCredential('alice', 'b', {}))).toMatch(/^INVALID_INPUT: .*sets nothing/);
    expect(await codeOf(async () => credentials.setCredential('alice', 'b', 'token'))).toMatch(/^INVALID_INPUT: .*must be a JSON object/);
    expect(await codeOf(async () => credentials.setCredential('alice', 'b', { apiKeyValue: '' }))).toMatch(/apiKeyValue must be a non-empty string/);
    expect(await codeOf(async () => credentials.setCredential('alice', 'b', { customHeaders: { Host: 'x' } }))).toMatch(/customHeaders\.Host cannot be set/);
    expect(await codeOf(async () => credentials.setCredential('alice', 'b', { api_key: 'x' }))).toMatch(
      /api_key is not a secret field a per-user credential can set/,
    );
    expect(await credentials.index()).toEqual([]);
  });

  it('picks whose secrets a call sends, by mode and caller', async () => {
    const { catalog } = await seed();
    await catalog.credentials.setCredential('alice', 'b', { customHeaders: { 'X-Team': 'alice-h' } });
    await catalog.credentials.setCredential('alice', 'k', { apiKeyValue: 'alice-k' });
    // As the registry hands them over: the credentials loaded with a snapshot, and its version.
    let version = 1;
    let loaded = await catalog.credentials.index();
    const users = createUserCredentialIndex(
      () => loaded,
      () => version,
    );
    const [b, k, s] = await Promise.all(['b', 'k', 's'].map((code) => catalog.getProvider(code)));
    // per_user: only headers set → no shared key lent; bob has none → null (nothing sent).
    expect(callCredential(b!, 'alice', users)).toMatchObject({ apiKeyValue: null, headers: { 'X-Team': 'alice-h' } });
    expect(callCredential(b!, 'bob', users)).toBeNull();
    expect(callCredential(b!, 'owner', users)).toMatchObject({ apiKeyValue: 'shared-b', own: null });
    expect(callCredential(b!, undefined, users)).toMatchObject({ apiKeyValue: 'shared-b', own: null });
    // per_user_or_shared: own, else shared.
    expect(callCredential(k!, 'alice', users)?.apiKeyValue).toBe('alice-k');
    expect(callCredential(k!, 'bob', users)?.apiKeyValue).toBe('shared-k');
    expect(callCredential(s!, 'alice', users)?.apiKeyValue).toBe('shared-s');
    // The index is made again only when the version moves (a new snapshot, loaded with its credentials).
    await catalog.credentials.setCredential('bob', 'b', { apiKeyValue: 'bob-b' });
    loaded = await catalog.credentials.index();
    expect(callCredential(b!, 'bob', users)).toBeNull();
    version = 2;
    expect(callCredential(b!, 'bob', users)?.apiKeyValue).toBe('bob-b');
    expect(users.find(b!.id, 'bob')?.redact('got bob-b back')).not.toContain('bob-b');
  });

  it("drops every client's own credential for a provider moved to another origin (a path change keeps them)", async () => {
    const { catalog } = await seed();
    await catalog.credentials.setCredential('alice', 'b', { apiKeyValue: 'alice-b' });
    await catalog.credentials.setCredential('bob', 'b', { apiKeyValue: 'bob-b' });
    await catalog.credentials.setCredential('alice', 'k', { apiKeyValue: 'alice-k' });
    await catalog.updateProvider('b', { baseUrl: 'http://127.0.0.1:9/v2' });
    expect((await catalog.credentials.index()).map((c) => `${c.clientName}/${c.providerCode}`)).toEqual(['alice/b', 'alice/k', 'bob/b']);
    await catalog.updateProvider('b', { baseUrl: 'https://elsewhere.example' });
    expect((await catalog.credentials.index()).map((c) => `${c.clientName}/${c.providerCode}`)).toEqual(['alice/k']);
    await catalog.importEntries([{ name: 'Key', code: 'k', baseUrl: 'https://other.example', authenticationType: 'API_KEY' }]);
    expect(await catalog.credentials.index()).toEqual([]);
  });
});
