import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { runCli, runCliAsync } from './helpers/cli.js';
import { tempDir } from './helpers/app.js';
import { freshDatabase } from './helpers/postgres.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/**
 * `toolwire db copy SOURCE TARGET` (SPEC §13) through the built CLI: SQLite → PostgreSQL → SQLite, every kind
 * of row, secrets still sealed and still usable on the target; a filled target refused; identities moved.
 */

const pgUrl = await freshDatabase();
const PG_PASSWORD = decodeURIComponent(new URL(pgUrl).password);
const API_KEY = 'sk-copy-9f8e7d6c5b4a';
const ALICE_KEY = 'alice-own-key-31337';
const VAULT_TOKEN = 'vault-token-abcdef123';
const SECRETS = [API_KEY, ALICE_KEY, VAULT_TOKEN];

let upstream: Upstream;
const dir = tempDir();
const sourceDb = join(dir, 'source.db');
/** The source keeps its key in a key file (no TOOLWIRE_SECRET_KEY): the copy must find it there. */
const sourceEnv = { TOOLWIRE_DB: sourceDb, TOOLWIRE_LOG_LEVEL: 'silent' };
let key = '';
const pgEnv = () => ({ TOOLWIRE_DB: pgUrl, TOOLWIRE_SECRET_KEY: key, TOOLWIRE_LOG_LEVEL: 'silent' });

function ok(result: { code: number | null; stdout: string; stderr: string }) {
  expect(result.code, result.stderr).toBe(0);
  return result;
}

/** Every row of every table of the PostgreSQL database, as text. */
async function pgRows(url: string): Promise<Record<string, unknown[]>> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
    const rows: Record<string, unknown[]> = {};
    for (const { name } of tables.rows) rows[name] = (await client.query(`SELECT * FROM ${name} ORDER BY 1`)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  upstream = await startUpstream();
  ok(
    runCli(
      ['provider', 'add', '-'],
      sourceEnv,
      JSON.stringify({ name: 'Echo', code: 'echo', baseUrl: `${upstream.url}/v1`, authenticationType: 'BEARER_TOKEN', apiKeyValue: API_KEY }),
    ),
  );
  ok(
    runCli(
      ['provider', 'add', '-'],
      sourceEnv,
      JSON.stringify({
        name: 'Per user',
        code: 'pu',
        baseUrl: `${upstream.url}/pu`,
        authenticationType: 'API_KEY',
        apiKeyName: 'X-Api-Key',
        credentialMode: 'per_user',
      }),
    ),
  );
  ok(
    runCli(
      ['tool', 'add', '-'],
      sourceEnv,
      JSON.stringify({
        name: 'Get item',
        code: 'echo-item',
        providerCode: 'echo',
        endpointPath: '/items/{id}',
        parameters: [{ name: 'id', type: 'INTEGER', required: true }],
      }),
    ),
  );
  ok(runCli(['tool', 'add', '-'], sourceEnv, JSON.stringify({ name: 'Mine', code: 'pu-mine', providerCode: 'pu', endpointPath: '/mine' })));
  ok(runCli(['client', 'add', 'alice', '--provider', 'pu'], sourceEnv));
  ok(runCli(['credential', 'set', '--client', 'alice', '--provider', 'pu'], sourceEnv, JSON.stringify({ apiKeyValue: ALICE_KEY })));
  ok(await runCliAsync(['tool', 'call', 'echo-item', '{"id": 1}'], sourceEnv));
  // A vault with a credential: made through the catalog (the vault APIs are HTTP-only), with the key file.
  const app = await createApp(loadConfig(sourceEnv));
  try {
    await app.catalog.vaults.create(
      'Team',
      [{ mcpServerUrl: 'https://mcp.example.com/mcp', protocol: 'streamable_http', type: 'static_bearer', accessToken: VAULT_TOKEN }],
      'owner',
    );
  } finally {
    await app.close();
  }
  key = readFileSync(`${sourceDb}.key`, 'utf8').trim();
});

afterAll(() => upstream?.close());

describe('toolwire db copy', () => {
  let copied: Record<string, unknown[]> = {};

  it('copies SQLite into an empty PostgreSQL database: every kind of row, secrets sealed, password never shown', async () => {
    const run = ok(runCli(['db', 'copy', sourceDb, pgUrl], { TOOLWIRE_LOG_LEVEL: 'silent' }));
    expect(run.stdout).toMatch(/Copied \d+ row\(s\) from .*source\.db to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/t_/);
    for (const [table, n] of [
      ['providers', 2],
      ['tools', 2],
      ['clients', 1],
      ['client_credentials', 1],
      ['vaults', 1],
      ['vault_credentials', 1],
    ] as const) {
      expect(run.stdout).toContain(`  ${table}: ${n}\n`);
    }
    expect(Number(/audit_log: (\d+)/.exec(run.stdout)?.[1])).toBeGreaterThan(0);
    expect(run.stderr).toContain(`set TOOLWIRE_SECRET_KEY to the contents of ${sourceDb}.key`);
    expect(run.stdout + run.stderr).not.toContain(PG_PASSWORD);
    copied = await pgRows(pgUrl);
    const raw = JSON.stringify(copied);
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
    expect(copied.providers).toHaveLength(2);
    expect(copied.audit_log!.length).toBe(Number(/audit_log: (\d+)/.exec(run.stdout)?.[1]));
  });

  it('serves the copy with the same key: a tool call sends the same API key, each client keeps its own credential', async () => {
    const env = pgEnv();
    expect(
      JSON.parse(ok(runCli(['provider', 'list', '--json'], env)).stdout)
        .map((p: { code: string }) => p.code)
        .sort(),
    ).toEqual(['echo', 'pu']);
    expect(ok(runCli(['client', 'list'], env)).stdout).toContain('alice');
    expect(ok(runCli(['credential', 'list', '--client', 'alice'], env)).stdout).toContain('pu');
    const call = ok(await runCliAsync(['tool', 'call', 'echo-item', '{"id": 42}'], env));
    expect(JSON.parse(call.stdout).structuredContent.path).toBe('/v1/items/42');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const audit = JSON.parse(ok(runCli(['audit', '--json', '--limit', '100'], env)).stdout) as { entries: unknown[] };
    expect(audit.entries.length).toBeGreaterThan(copied.audit_log!.length);
  });

  it('copies PostgreSQL back into SQLite: the same providers, tools, clients and secrets', async () => {
    const back = join(dir, 'back.db');
    const run = ok(runCli(['db', 'copy', pgUrl, back], { TOOLWIRE_SECRET_KEY: key, TOOLWIRE_LOG_LEVEL: 'silent' }));
    expect(run.stdout).toContain('  providers: 2\n');
    expect(run.stdout + run.stderr).not.toContain(PG_PASSWORD);
    expect(existsSync(`${back}.key`)).toBe(false); // the key came from the environment: no key file is made
    const backEnv = { TOOLWIRE_DB: back, TOOLWIRE_SECRET_KEY: key, TOOLWIRE_LOG_LEVEL: 'silent' };
    for (const args of [
      ['provider', 'list', '--json'],
      ['tool', 'list', '--json'],
      ['client', 'list', '--json'],
      ['credential', 'list', '--client', 'alice', '--json'],
    ]) {
      expect(ok(runCli(args, backEnv)).stdout).toBe(ok(runCli(args, sourceEnv)).stdout);
    }
    const call = ok(await runCliAsync(['tool', 'call', 'echo-item', '{"id": 7}'], backEnv));
    expect(JSON.parse(call.stdout).structuredContent.path).toBe('/v1/items/7');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const file = readFileSync(back).toString('latin1');
    for (const secret of SECRETS) expect(file).not.toContain(secret);
  });

  it('copies SQLite into SQLite with the key file beside the target', () => {
    const target = join(dir, 'copy.db');
    ok(runCli(['db', 'copy', sourceDb, target], { TOOLWIRE_LOG_LEVEL: 'silent' }));
    expect(readFileSync(`${target}.key`, 'utf8').trim()).toBe(key);
    const env = { TOOLWIRE_DB: target, TOOLWIRE_LOG_LEVEL: 'silent' };
    expect(ok(runCli(['provider', 'list', '--json'], env)).stdout).toBe(ok(runCli(['provider', 'list', '--json'], sourceEnv)).stdout);
  });

  it('refuses a target that is not empty, naming what is in it, and changes nothing', async () => {
    const before = await pgRows(pgUrl);
    const again = runCli(['db', 'copy', sourceDb, pgUrl], { TOOLWIRE_LOG_LEVEL: 'silent' });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/The target database is not empty: it has rows in providers \(2\), tools \(2\), clients \(1\)/);
    expect(again.stderr).toContain('nothing was copied');
    expect(again.stderr).not.toContain(PG_PASSWORD);
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(await pgRows(pgUrl)).toEqual(before);
  });

  it('moves the identities: a provider and a client added after the copy get new ids', async () => {
    const env = pgEnv();
    ok(runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'Later', code: 'later', baseUrl: upstream.url })));
    ok(runCli(['client', 'add', 'bob'], env));
    const rows = await pgRows(pgUrl);
    const maxCopied = Math.max(...(copied.providers as Array<{ id: number }>).map((p) => p.id));
    const later = (rows.providers as Array<{ id: number; code: string }>).find((p) => p.code === 'later');
    expect(later!.id).toBeGreaterThan(maxCopied);
    expect((rows.clients as Array<{ name: string }>).map((c) => c.name).sort()).toEqual(['alice', 'bob']);
  });

  it('refuses another scheme, a missing source and a wrong argument count, writing nothing', () => {
    const cwd = tempDir();
    const bad = runCli(['db', 'copy', sourceDb, 'mysql://root:hunter22@localhost/tw'], { TOOLWIRE_LOG_LEVEL: 'silent' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('TARGET "mysql://root:***@localhost/tw" uses the scheme "mysql://"');
    expect(bad.stderr).not.toContain('hunter22');
    const missing = runCli(['db', 'copy', join(cwd, 'nothing.db'), join(cwd, 'out.db')], { TOOLWIRE_LOG_LEVEL: 'silent' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no database at');
    expect(readdirSync(cwd)).toEqual([]);
    const usage = runCli(['db', 'copy', sourceDb], { TOOLWIRE_LOG_LEVEL: 'silent' });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('takes two arguments, SOURCE and TARGET');
  });
});
