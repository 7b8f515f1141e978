import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLog } from '../../src/core/log.js';
import { createStore } from '../../src/store/index.js';
import { looksSealed, openWith } from '../../src/store/secret-box.js';
import { flatKindFields } from '../../src/core/model.js';

/** Shared by the key-rotation tests: a database holding a secret of every kind, and ways to look inside. */

export const newKey = (): Buffer => randomBytes(32);

/** Every way a key could be written out: none may ever appear in output, logs or the database. */
export function keySpellings(key: Buffer): string[] {
  return [key.toString('base64'), key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64url'), key.toString('base64').slice(0, 24)];
}

export const VAULT_URL = 'http://127.0.0.1:9/vault-mcp';

/** One canary per sealed column: apiKeyValue, custom headers, dynamic payload, stdio env, MCP api_key, vault token. */
export function canaries(tag: string) {
  return {
    apiKey: `canary-apikey-${tag}-71c0`,
    header: `canary-header-${tag}-a93e`,
    payload: `canary-payload-${tag}-5be2`,
    env: `canary-env-${tag}-0d44`,
    mcpKey: `canary-mcpkey-${tag}-e1f7`,
    vault: `canary-vault-${tag}-38aa`,
  };
}
export type Canaries = ReturnType<typeof canaries>;

/** Writes one secret of every kind through the real catalog and vault API (the process's key: env or key file). */
export async function seedEveryKind(env: Record<string, string>, c: Canaries, baseUrl = 'http://127.0.0.1:9'): Promise<void> {
  const app = await createApp(loadConfig(env), createLog('silent'));
  try {
    await app.catalog.createProvider({
      name: 'Static',
      code: 'static',
      baseUrl,
      authenticationType: 'BEARER_TOKEN',
      apiKeyValue: c.apiKey,
      customHeaders: { 'X-Custom-Token': c.header },
    });
    await app.catalog.createTool({ name: 'Echo', code: 'static-echo', providerCode: 'static', endpointPath: '/echo' });
    await app.catalog.createProvider({
      name: 'Dynamic',
      code: 'dynamic',
      baseUrl,
      isDynamicAuth: true,
      dynamicAuthUrl: `${baseUrl}/token`,
      dynamicAuthPayload: JSON.stringify({ password: c.payload }),
    });
    // Written as the CLI writes it (stdio upstreams are refused over HTTP).
    await app.catalog.createProvider(
      { name: 'Local', code: 'local', kind: 'mcp', command: 'node', args: ['server.js'], env: { TOKEN: c.env } },
      { lockStdio: false },
    );
    await app.catalog.createProvider({ name: 'Remote', code: 'remote', kind: 'mcp', url: 'http://127.0.0.1:9/mcp', apiKeyValue: c.mcpKey });
    const vault = await app.store.vaults.createVault('team');
    await app.store.vaults.addCredential(vault.id, { mcpServerUrl: VAULT_URL, protocol: 'streamable_http', type: 'static_bearer', accessToken: c.vault });
  } finally {
    await app.close();
  }
}

/** What a process holding `key` reads back (throws like the app when the key does not open the database). */
export async function readEveryKind(dbPath: string, key: Buffer): Promise<Canaries> {
  const store = await createStore(dbPath, key);
  try {
    const by = async (code: string) => (await store.providers.findByCode(code))!;
    return {
      apiKey: (await by('static')).apiKeyValue ?? '',
      header: (await by('static')).customHeaders['X-Custom-Token'] ?? '',
      payload: (JSON.parse((await by('dynamic')).dynamicAuthPayload ?? '{}') as { password?: string }).password ?? '',
      env: flatKindFields(await by('local')).env.TOKEN ?? '',
      mcpKey: (await by('remote')).apiKeyValue ?? '',
      vault: (await store.vaults.tokenFor(VAULT_URL, 'streamable_http')) ?? '',
    };
  } finally {
    await store.close();
  }
}

export interface SealedCell {
  table: string;
  column: string;
  key: string | null;
  value: string;
}

/** Every text cell of every table that has the shape of a sealed value, read with a plain SQLite connection. */
export function sealedCells(dbPath: string): SealedCell[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const cells: SealedCell[] = [];
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Array<Record<string, unknown>>) {
        for (const [column, value] of Object.entries(row)) {
          if (looksSealed(value)) cells.push({ table, column, key: table === 'meta' ? (row.key as string) : null, value });
        }
        // The rotation row holds two sealed keys inside JSON.
        if (table === 'meta' && row.key === 'key_rotation') {
          const wrapped = JSON.parse(row.value as string) as Record<string, string>;
          for (const name of ['next', 'previous']) cells.push({ table, column: `value.${name}`, key: 'key_rotation', value: wrapped[name] as string });
        }
      }
    }
    return cells;
  } finally {
    db.close();
  }
}

export function opens(key: Buffer, sealed: string): boolean {
  try {
    openWith(key, sealed);
    return true;
  } catch {
    return false;
  }
}

/** Every sealed-looking string anywhere in the bytes of the database, its WAL and shared memory. */
export function sealedStringsInFiles(dbPath: string): string[] {
  const found = new Set<string>();
  for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    if (!existsSync(file)) continue;
    for (const match of readFileSync(file)
      .toString('latin1')
      .matchAll(/v1:[A-Za-z0-9+/]{40,}={0,2}/g))
      found.add(match[0]);
  }
  return [...found];
}

export function fileText(dbPath: string): string {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]
    .filter(existsSync)
    .map((f) => readFileSync(f).toString('latin1'))
    .join('\n');
}

/** Fails with the first forbidden string found in text (without printing the string itself in full). */
export function expectNone(text: string, forbidden: string[], where: string): void {
  for (const value of forbidden) {
    if (text.includes(value)) throw new Error(`${where} contains a secret or key (${value.slice(0, 6)}…)`);
  }
}
