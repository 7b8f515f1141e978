import { CLI_RULES } from '../src/catalog/write-rules.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { startUpstream } from './helpers/upstream.js';
import { connect, tempDir, testEnv, textOf } from './helpers/app.js';

const CANARIES = {
  apiKey: 'canary-apikey-0f9e8d',
  header: 'canary-header-1a2b3c',
  payload: 'canary-payload-4d5e6f',
  env: 'canary-env-7a8b9c',
};

describe('store', () => {
  it('applies migrations in order, tracked with user_version, in WAL mode with foreign keys', async () => {
    const app = await createApp(loadConfig(testEnv()));
    const db = app.store.database.driver;
    const pragma = async (name: string) => (await db.get<Record<string, unknown>>(`PRAGMA ${name}`))?.[name];
    expect(await pragma('user_version')).toBe(MIGRATIONS.length);
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    const p = await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' });
    await app.catalog.createTool({ name: 'T', code: 't', providerCode: 'p', endpointPath: '/x' });
    await app.catalog.removeProvider(p.code);
    expect(await app.catalog.listTools()).toEqual([]);
    void app.close();
  });

  it('upgrades a database made by an older version in place, keeping its providers and tools', async () => {
    const env = testEnv();
    const first = await createApp(loadConfig(env));
    await first.catalog.createProvider({
      name: 'Old',
      code: 'old',
      baseUrl: 'http://127.0.0.1:9',
      authenticationType: 'BEARER_TOKEN',
      apiKeyValue: 'old-secret',
    });
    await first.catalog.createTool({ name: 'T', code: 'old-t', providerCode: 'old', endpointPath: '/x' });
    // Roll the schema back to migration 1, as a database written before migration 2 existed.
    await first.store.database.driver.exec(
      "DROP TABLE kept_answers; DROP TABLE ui_sessions; DROP TABLE oauth_pending; DROP TABLE connect_tickets; DROP TABLE rate_counts; DROP TABLE shared_tokens; ALTER TABLE providers DROP COLUMN max_result_tokens; ALTER TABLE providers DROP COLUMN fence_upstream_text; ALTER TABLE tools DROP COLUMN max_result_tokens; ALTER TABLE tools DROP COLUMN response_fields; DROP TABLE audit_log; ALTER TABLE providers DROP COLUMN rate_per_minute; ALTER TABLE tools DROP COLUMN rate_per_minute; ALTER TABLE providers DROP COLUMN oauth; ALTER TABLE providers DROP COLUMN oauth_client_secret_enc; DROP TABLE client_credentials; ALTER TABLE providers DROP COLUMN credential_mode; DROP TABLE clients; DROP TRIGGER tools_seq_insert; DROP TRIGGER tools_seq_update; DROP TRIGGER tools_seq_delete; DROP INDEX tools_revision; ALTER TABLE tools DROP COLUMN revision; DROP TABLE tools_removed; DELETE FROM meta WHERE key = 'tool_seq'; DROP TABLE mcp_config_servers; DROP TABLE vault_credentials; DROP TABLE vaults; PRAGMA user_version = 1;",
    );
    void first.close();
    const second = await createApp(loadConfig(env));
    expect((await second.store.database.driver.get<{ user_version: number }>('PRAGMA user_version'))?.user_version).toBe(MIGRATIONS.length);
    expect((await second.catalog.getProvider('old')).apiKeyValue).toBe('old-secret');
    expect((await second.catalog.getProvider('old')).credentialMode).toBe('shared');
    expect((await second.catalog.getProvider('old')).oauth).toBeNull();
    expect((await second.catalog.listTools()).map((t) => t.code)).toEqual(['old-t']);
    expect(await second.store.vaults.listVaults()).toEqual([]);
    expect(await second.catalog.clients.listClients()).toEqual([]);
    expect(await second.catalog.credentials.index()).toEqual([]);
    void second.close();
  });

  it("upgrades a database from before vault owners (migration 7): its vaults are the owner's, their tokens the shared ones", async () => {
    const env = testEnv();
    const first = await createApp(loadConfig(env));
    const server = { mcpServerUrl: 'https://mcp.example.com/mcp', protocol: 'streamable_http' as const, type: 'static_bearer' as const };
    const { vault } = await first.catalog.vaults.create('Team', [{ ...server, accessToken: 'team-token-1' }], 'owner');
    // Back to migration 6: undo 12 (shared tokens), 11 (answer budgets), 10 (JWT subjects), 9 (audit, rate limits), 8 (OAuth 2) and 7 (vault owners).
    await first.store.database.driver.exec(
      'DROP TABLE kept_answers; DROP TABLE ui_sessions; DROP TABLE oauth_pending; DROP TABLE connect_tickets; DROP TABLE rate_counts; DROP TABLE shared_tokens; ALTER TABLE providers DROP COLUMN max_result_tokens; ALTER TABLE providers DROP COLUMN fence_upstream_text; ALTER TABLE tools DROP COLUMN max_result_tokens; ALTER TABLE tools DROP COLUMN response_fields; DROP INDEX clients_subject; ALTER TABLE clients DROP COLUMN subject; DROP TABLE audit_log; ALTER TABLE providers DROP COLUMN rate_per_minute; ALTER TABLE tools DROP COLUMN rate_per_minute; ALTER TABLE clients DROP COLUMN rate_per_minute; ALTER TABLE providers DROP COLUMN oauth; ALTER TABLE providers DROP COLUMN oauth_client_secret_enc; ALTER TABLE client_credentials DROP COLUMN refreshed_enc; DROP INDEX vaults_owner; ALTER TABLE vaults DROP COLUMN owner_client_id; PRAGMA user_version = 6;',
    );
    void first.close();
    const second = await createApp(loadConfig(env));
    expect((await second.store.database.driver.get<{ user_version: number }>('PRAGMA user_version'))?.user_version).toBe(MIGRATIONS.length);
    expect((await second.catalog.vaults.list('owner')).map((v) => [v.id, v.owner])).toEqual([[vault.id, null]]);
    expect(await second.store.vaults.tokenFor(server.mcpServerUrl, server.protocol)).toBe('team-token-1');
    await second.catalog.clients.addClient({ name: 'alice' });
    expect(await second.catalog.vaults.list('alice')).toEqual([]);
    void second.close();
  });

  it('never writes a secret in clear to the database file or its WAL', async () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const app = await createApp(loadConfig(env));
    await app.catalog.createProvider({
      name: 'Secretive',
      code: 'secretive',
      baseUrl: 'http://127.0.0.1:9',
      authenticationType: 'BEARER_TOKEN',
      apiKeyValue: CANARIES.apiKey,
      customHeaders: { 'X-Custom-Token': CANARIES.header },
      isDynamicAuth: true,
      dynamicAuthUrl: 'http://127.0.0.1:9/token',
      dynamicAuthPayload: JSON.stringify({ password: CANARIES.payload }),
    });
    await app.catalog.createProvider({ name: 'Up', code: 'up', kind: 'mcp', command: 'node', env: { TOKEN: CANARIES.env } }, CLI_RULES);
    const wal = `${env.TOOLWIRE_DB}-wal`;
    expect(existsSync(wal)).toBe(true);
    for (const file of [env.TOOLWIRE_DB as string, wal]) {
      const bytes = readFileSync(file).toString('latin1');
      for (const canary of Object.values(CANARIES)) expect(bytes.includes(canary), `${canary} in ${file}`).toBe(false);
    }
    await app.close();
  });

  it('creates the key file once with mode 0600 and reuses it', async () => {
    const dir = tempDir();
    const env = { TOOLWIRE_DB: join(dir, 'data', 'tw.db'), TOOLWIRE_LOG_LEVEL: 'silent' };
    const first = await createApp(loadConfig(env));
    await first.catalog.createProvider({
      name: 'K',
      code: 'k',
      baseUrl: 'http://127.0.0.1:9',
      authenticationType: 'BEARER_TOKEN',
      apiKeyValue: 'kept-across-restarts',
    });
    await first.close();
    const keyFile = `${env.TOOLWIRE_DB}.key`;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8');
    const second = await createApp(loadConfig(env));
    expect((await second.catalog.getProvider('k')).apiKeyValue).toBe('kept-across-restarts');
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    await second.close();
  });

  it('refuses a wrong key with a clear error and sends no request', async () => {
    const upstream = await startUpstream();
    const dir = tempDir();
    const app = await createApp(loadConfig(testEnv(dir)));
    await app.catalog.createProvider({ name: 'W', code: 'w', baseUrl: upstream.url, authenticationType: 'BEARER_TOKEN', apiKeyValue: 'right-key-secret' });
    await app.catalog.createTool({ name: 'W', code: 'w-get', providerCode: 'w', endpointPath: '/x' });
    const client = await connect(app);
    expect(textOf(await client.callTool({ name: 'w-get' }))).not.toContain('right-key-secret');
    await client.close();
    await app.close();
    const seen = upstream.requests.length;
    await expect(async () => createApp(loadConfig(testEnv(dir, { TOOLWIRE_SECRET_KEY: 'b'.repeat(64) })))).rejects.toThrow(
      /master key does not open the database/,
    );
    expect(upstream.requests.length).toBe(seen);
    await upstream.close();
  });

  it('rejects a malformed TOOLWIRE_SECRET_KEY naming the variable', () => {
    expect(() => loadConfig({ TOOLWIRE_SECRET_KEY: 'short' })).toThrow(/TOOLWIRE_SECRET_KEY must be 32 bytes/);
  });
});
