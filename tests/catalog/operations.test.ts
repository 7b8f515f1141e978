import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { InvalidEntries } from '../../src/catalog/entry-issues.js';
import type { McpServerEntry } from '../../src/catalog/mcp-registrations.js';
import { LOCKED_RULES } from '../../src/catalog/write-rules.js';
import type { NewVaultCredential } from '../../src/core/vaults.js';
import { makeApp } from '../helpers/app.js';

let app: App;
afterEach(async () => {
  await app?.close();
});

/** A catalog over the app's store that counts how often it told the registry about a change. */
async function countingCatalog(): Promise<{ catalog: Catalog; changes: () => number }> {
  app = await makeApp();
  let changes = 0;
  return {
    catalog: new Catalog(app.store, async () => {
      changes++;
    }),
    changes: () => changes,
  };
}

const credential = (url = 'https://mcp.example.com/mcp'): NewVaultCredential => ({
  mcpServerUrl: url,
  protocol: 'streamable_http',
  type: 'static_bearer',
  accessToken: 'secret-token-1',
});

const server = (fields: Partial<McpServerEntry> = {}): McpServerEntry => ({
  key: 'https://mcp.example.com/v1/mcp',
  subject: 'server 0',
  protocol: 'streamable_http',
  name: 'mcp.example.com/v1/mcp',
  url: 'https://mcp.example.com/v1/mcp',
  apiKey: null,
  command: null,
  args: [],
  env: null,
  ...fields,
});

describe('vaults', () => {
  it('creates a vault with its credentials in one write, and tells the registry once', async () => {
    const { catalog, changes } = await countingCatalog();
    const { vault, credentials } = await catalog.vaults.create('Team', [credential(), credential('https://b.example.com/mcp')], 'owner');
    expect(changes()).toBe(1);
    expect((await catalog.vaults.list('owner')).map((v) => v.id)).toEqual([vault.id]);
    expect((await catalog.vaults.credentials(vault.id, 'owner')).map((c) => c.mcpServerUrl)).toEqual([
      'https://mcp.example.com/mcp',
      'https://b.example.com/mcp',
    ]);
    expect((await catalog.vaults.credential(vault.id, credentials[1]!.id, 'owner'))?.mcpServerUrl).toBe('https://b.example.com/mcp');
    expect(JSON.stringify(await catalog.vaults.credentials(vault.id, 'owner'))).not.toContain('secret-token-1');
  });

  it('writes nothing when one credential cannot be stored: not the vault, not the other credentials', async () => {
    const { catalog, changes } = await countingCatalog();
    const broken = { ...credential(), mcpServerUrl: null as unknown as string };
    await expect(async () => catalog.vaults.create('Team', [credential(), broken], 'owner')).rejects.toThrow(/NOT NULL/);
    expect(await catalog.vaults.list('owner')).toEqual([]);
    expect(changes()).toBe(0);
  });

  it('adds no credential to a vault that is gone, and removes vaults and credentials', async () => {
    const { catalog } = await countingCatalog();
    expect(await catalog.vaults.addCredential('vault_missing', credential(), 'owner')).toBeNull();
    const { vault, credentials } = await catalog.vaults.create('Team', [credential()], 'owner');
    const added = await catalog.vaults.addCredential(vault.id, credential('https://c.example.com/mcp'), 'owner');
    expect(added?.vaultId).toBe(vault.id);
    expect(await catalog.vaults.removeCredential(vault.id, credentials[0]!.id, 'owner')).toBe(true);
    expect((await catalog.vaults.credentials(vault.id, 'owner')).map((c) => c.id)).toEqual([added!.id]);
    expect(await catalog.vaults.remove(vault.id, 'owner')).toBe(true);
    expect(await catalog.vaults.get(vault.id, 'owner')).toBeNull();
    expect(await catalog.vaults.remove(vault.id, 'owner')).toBe(false);
  });
});

describe('provider tokens', () => {
  it('stores a token as the bearer credential of a provider without auth and moves its host', async () => {
    const { catalog, changes } = await countingCatalog();
    await catalog.createProvider({ name: 'GitHub', code: 'gh', baseUrl: 'https://api.github.com/v3' });
    const before = changes();
    const result = await catalog.storeProviderTokens([{ code: 'gh', token: 'ghp_1', userId: 'me', host: 'git.example.com:8443' }], null, LOCKED_RULES);
    expect(result).toEqual({ stored: ['gh'], droppedSecrets: {}, mcp: null });
    expect(changes()).toBe(before + 1);
    const gh = await catalog.getProvider('gh');
    expect([gh.apiKeyValue, gh.authenticationType, gh.userId, gh.kind === 'http' ? gh.baseUrl : null]).toEqual([
      'ghp_1',
      'BEARER_TOKEN',
      'me',
      'https://git.example.com:8443/v3',
    ]);
  });

  it('writes no entry when one is wrong, and names every problem by list, entry and field', async () => {
    const { catalog } = await countingCatalog();
    await catalog.createProvider({ name: 'GitHub', code: 'gh', baseUrl: 'https://api.github.com' });
    await catalog.createProvider({ name: 'Local', code: 'local', kind: 'mcp', command: 'npx', args: ['server'] }, { lockStdio: false });
    const attempt = async () =>
      await catalog.storeProviderTokens(
        [
          { code: 'gh', token: 'ghp_1', userId: null, host: null },
          { code: 'nope', token: 't', userId: null, host: null },
          { code: 'local', token: null, userId: null, host: 'x.example.com' },
        ],
        null,
        LOCKED_RULES,
      );
    await expect(attempt).rejects.toThrow(InvalidEntries);
    try {
      await attempt();
    } catch (err) {
      expect((err as InvalidEntries).entries.map(({ list, index, field }) => ({ list, index, field }))).toEqual([
        { list: 'providerTokens', index: 1, field: null },
        { list: 'providerTokens', index: 2, field: 'host' },
      ]);
    }
    expect((await catalog.getProvider('gh')).apiKeyValue).toBeNull();
  });
});

describe('MCP server registrations', () => {
  it('creates, updates and removes only the servers registered this way', async () => {
    const { catalog } = await countingCatalog();
    await catalog.createProvider({ name: 'Other', code: 'other', kind: 'mcp', url: 'https://other.example.com/mcp' });
    const first = (await catalog.storeProviderTokens([], [server({ apiKey: 'k1' })], LOCKED_RULES)).mcp;
    expect(first).toEqual({
      registered: [{ code: 'mcp.example.com-v1-mcp', protocol: 'streamable_http', server: 'https://mcp.example.com/v1/mcp', status: 'created' }],
      removed: [],
    });
    expect((await catalog.getProvider('mcp.example.com-v1-mcp')).apiKeyValue).toBe('k1');
    // Listed again without a key: it has none now.
    expect((await catalog.storeProviderTokens([], [server()], LOCKED_RULES)).mcp?.registered[0]?.status).toBe('updated');
    expect((await catalog.getProvider('mcp.example.com-v1-mcp')).apiKeyValue).toBeNull();
    expect((await catalog.storeProviderTokens([], [], LOCKED_RULES)).mcp).toEqual({ registered: [], removed: ['mcp.example.com-v1-mcp'] });
    expect((await catalog.listProviders()).map((p) => p.code)).toEqual(['other']);
  });

  it('writes nothing when one server is wrong, tokens included, and refuses a new stdio command over HTTP', async () => {
    const { catalog, changes } = await countingCatalog();
    await catalog.createProvider({ name: 'GitHub', code: 'gh', baseUrl: 'https://api.github.com' });
    const before = changes();
    const bad = server({ key: 'https://two.example.com/mcp', name: 'two', url: 'ftp://two.example.com/mcp' });
    await expect(async () =>
      catalog.storeProviderTokens([{ code: 'gh', token: 'ghp_1', userId: null, host: null }], [server(), bad], LOCKED_RULES),
    ).rejects.toThrow(InvalidEntries);
    expect((await catalog.listProviders()).map((p) => p.code)).toEqual(['gh']);
    expect((await catalog.getProvider('gh')).apiKeyValue).toBeNull();
    expect(changes()).toBe(before);

    const stdio = server({ key: 'stdio:git', name: 'git', protocol: 'stdio', url: null, command: 'npx', args: ['git-mcp'] });
    await expect(async () => catalog.storeProviderTokens([], [server(), stdio], LOCKED_RULES)).rejects.toThrow(/TOOLWIRE_ALLOW_STDIO_UPSTREAMS/);
    expect((await catalog.listProviders()).map((p) => p.code)).toEqual(['gh']);
  });
});
