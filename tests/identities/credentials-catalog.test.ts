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

function seed(): App {
  app = makeApp();
  const { catalog } = app;
  catalog.createProvider({
    name: 'Bearer',
    code: 'b',
    baseUrl: 'http://127.0.0.1:9',
    authenticationType: 'BEARER_TOKEN',
    apiKeyValue: 'shared-b',
    credentialMode: 'per_user',
  });
  catalog.createProvider({
    name: 'Key',
    code: 'k',
    baseUrl: 'http://127.0.0.1:9',
    authenticationType: 'API_KEY',
    apiKeyValue: 'shared-k',
    credentialMode: 'per_user_or_shared',
  });
  catalog.createProvider({ name: 'Shared', code: 's', baseUrl: 'http://127.0.0.1:9', authenticationType: 'API_KEY', apiKeyValue: 'shared-s' });
  catalog.clients.addClient({ name: 'alice' });
  catalog.clients.addClient({ name: 'bob' });
  return app;
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return err instanceof ToolwireError ? `${err.code}: ${err.message}` : String(err);
  }
};

describe('credential catalog', () => {
  it('sets, lists (names only) and removes; a second set replaces the first', () => {
    const { credentials } = seed().catalog;
    credentials.setCredential('alice', 'b', { apiKeyValue: 'alice-1', customHeaders: { 'X-Team': 'alice-h' } });
    credentials.setCredential('alice', 'b', { apiKeyValue: 'alice-2' });
    const listed = credentials.listCredentials('alice');
    expect(listed).toEqual([{ provider: 'b', credentialMode: 'per_user', fields: ['apiKeyValue'], updatedAt: expect.any(String) }]);
    expect(JSON.stringify(listed)).not.toContain('alice-');
    expect(credentials.index()).toEqual([expect.objectContaining({ clientName: 'alice', providerCode: 'b', secrets: { apiKeyValue: 'alice-2' } })]);
    credentials.removeCredential('alice', 'b');
    expect(credentials.listCredentials('alice')).toEqual([]);
    expect(codeOf(() => credentials.removeCredential('alice', 'b'))).toMatch(/^NOT_FOUND: Client "alice" has no credential of its own for provider "b"/);
  });

  it('refuses unknown clients, providers and fields with messages naming them, writing nothing', () => {
    const { credentials } = seed().catalog;
    expect(codeOf(() => credentials.setCredential('zed', 'b', { apiKeyValue: 'x' }))).toMatch(/^NOT_FOUND: No client named "zed"/);
    expect(codeOf(() => credentials.setCredential('alice', 'nope', { apiKeyValue: 'x' }))).toMatch(/^NOT_FOUND: No provider with code "nope"/);
    expect(codeOf(() => credentials.setCredential('alice', 'b', {}))).toMatch(/^INVALID_INPUT: .*sets nothing/);
    expect(codeOf(() => credentials.setCredential('alice', 'b', 'token'))).toMatch(/^INVALID_INPUT: .*must be a JSON object/);
    expect(codeOf(() => credentials.setCredential('alice', 'b', { apiKeyValue: '' }))).toMatch(/apiKeyValue must be a non-empty string/);
    expect(codeOf(() => credentials.setCredential('alice', 'b', { customHeaders: { Host: 'x' } }))).toMatch(/customHeaders\.Host cannot be set/);
    expect(codeOf(() => credentials.setCredential('alice', 'b', { api_key: 'x' }))).toMatch(/api_key is not a secret field a per-user credential can set/);
    expect(credentials.index()).toEqual([]);
  });

  it('picks whose secrets a call sends, by mode and caller', () => {
    const { catalog } = seed();
    catalog.credentials.setCredential('alice', 'b', { customHeaders: { 'X-Team': 'alice-h' } });
    catalog.credentials.setCredential('alice', 'k', { apiKeyValue: 'alice-k' });
    let version = 1;
    const users = createUserCredentialIndex(
      () => catalog.credentials.index(),
      () => version,
    );
    const [b, k, s] = ['b', 'k', 's'].map((code) => catalog.getProvider(code));
    // per_user: only headers set → no shared key lent; bob has none → null (nothing sent).
    expect(callCredential(b!, 'alice', users)).toMatchObject({ apiKeyValue: null, headers: { 'X-Team': 'alice-h' } });
    expect(callCredential(b!, 'bob', users)).toBeNull();
    expect(callCredential(b!, 'owner', users)).toMatchObject({ apiKeyValue: 'shared-b', own: null });
    expect(callCredential(b!, undefined, users)).toMatchObject({ apiKeyValue: 'shared-b', own: null });
    // per_user_or_shared: own, else shared.
    expect(callCredential(k!, 'alice', users)?.apiKeyValue).toBe('alice-k');
    expect(callCredential(k!, 'bob', users)?.apiKeyValue).toBe('shared-k');
    expect(callCredential(s!, 'alice', users)?.apiKeyValue).toBe('shared-s');
    // The index is read again only when the version moves.
    catalog.credentials.setCredential('bob', 'b', { apiKeyValue: 'bob-b' });
    expect(callCredential(b!, 'bob', users)).toBeNull();
    version = 2;
    expect(callCredential(b!, 'bob', users)?.apiKeyValue).toBe('bob-b');
    expect(users.find(b!.id, 'bob')?.redact('got bob-b back')).not.toContain('bob-b');
  });

  it("drops every client's own credential for a provider moved to another origin (a path change keeps them)", () => {
    const { catalog } = seed();
    catalog.credentials.setCredential('alice', 'b', { apiKeyValue: 'alice-b' });
    catalog.credentials.setCredential('bob', 'b', { apiKeyValue: 'bob-b' });
    catalog.credentials.setCredential('alice', 'k', { apiKeyValue: 'alice-k' });
    catalog.updateProvider('b', { baseUrl: 'http://127.0.0.1:9/v2' });
    expect(catalog.credentials.index().map((c) => `${c.clientName}/${c.providerCode}`)).toEqual(['alice/b', 'alice/k', 'bob/b']);
    catalog.updateProvider('b', { baseUrl: 'https://elsewhere.example' });
    expect(catalog.credentials.index().map((c) => `${c.clientName}/${c.providerCode}`)).toEqual(['alice/k']);
    catalog.importEntries([{ name: 'Key', code: 'k', baseUrl: 'https://other.example', authenticationType: 'API_KEY' }]);
    expect(catalog.credentials.index()).toEqual([]);
  });
});
