import BetterSqlite3 from 'better-sqlite3';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLog } from '../../src/core/log.js';
import { parseMasterKey } from '../../src/core/master-key.js';
import { sealWith } from '../../src/store/secret-box.js';
import { tempDir } from '../helpers/app.js';
import { runCliAsync, type CliResult } from '../helpers/cli.js';
import {
  canaries,
  expectNone,
  fileText,
  keySpellings,
  newKey,
  opens,
  readEveryKind,
  sealedCells,
  sealedStringsInFiles,
  seedEveryKind,
  VAULT_URL,
} from './key-rotate.harness.js';

/**
 * SPEC §15 key rotation, offline: `toolwire key rotate` re-seals every secret (every sealed column,
 * found by content) in one transaction, replaces the key file after the commit, and `toolwire key
 * finish` retires the old key. Nothing ever prints a key or a secret.
 */

const fileEnv = (dir: string) => ({ TOOLWIRE_DB: join(dir, 'tw.db'), TOOLWIRE_LOG_LEVEL: 'info' });
const keyFileOf = (env: { TOOLWIRE_DB: string }) => `${env.TOOLWIRE_DB}.key`;
const readKeyFile = (env: { TOOLWIRE_DB: string }) => parseMasterKey(readFileSync(keyFileOf(env), 'utf8')) as Buffer;

function expectNoLeak(results: CliResult[], forbidden: string[]): void {
  for (const [i, r] of results.entries()) expectNone(`${r.stdout}\n${r.stderr}`, forbidden, `output of command ${i}`);
}

describe('toolwire key rotate (key file beside the database)', () => {
  it('re-seals the secret of every kind with the new key in one go, then replaces the key file (0600, no temp file left)', async () => {
    const dir = tempDir();
    const env = fileEnv(dir);
    const c = canaries('file');
    await seedEveryKind(env, c);
    const oldKey = readKeyFile(env);
    const key = newKey();

    const rotated = await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') });
    expect(rotated.stderr).not.toMatch(/unexpected/);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/Re-encrypted 6 secret value\(s\)/);
    for (const column of [
      'providers.api_key_value_enc',
      'providers.custom_headers_enc',
      'providers.dynamic_auth_payload_enc',
      'providers.mcp_env_enc',
      'vault_credentials.access_token_enc',
    ]) {
      expect(rotated.stdout).toContain(column);
    }
    expect(rotated.stderr).toContain('now holds the new key');
    expect(rotated.stderr).toContain('toolwire key finish');

    expect(readKeyFile(env).equals(key)).toBe(true);
    expect(statSync(keyFileOf(env)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Every sealed value in every table opens with the new key and not with the old one; only the
    // rotation row keeps the new key sealed with the old one (so servers started before can follow).
    const cells = sealedCells(env.TOOLWIRE_DB);
    const secrets = cells.filter((cell) => cell.table !== 'meta');
    expect(secrets).toHaveLength(6);
    for (const cell of cells) {
      const wrappedForOld = cell.key === 'key_rotation' && cell.column === 'value.next';
      expect(opens(key, cell.value), `${cell.table}.${cell.column} opens with the new key`).toBe(!wrappedForOld);
      expect(opens(oldKey, cell.value), `${cell.table}.${cell.column} opens with the old key`).toBe(wrappedForOld);
    }

    expect(await readEveryKind(env.TOOLWIRE_DB, key)).toEqual(c);
    const forbidden = [...Object.values(c), ...keySpellings(key), ...keySpellings(oldKey)];
    expectNoLeak([rotated], forbidden);
    expectNone(fileText(env.TOOLWIRE_DB), forbidden, 'the database files');
  });

  it('without TOOLWIRE_NEW_SECRET_KEY (or with a malformed one) says how to make a key and changes nothing', async () => {
    const dir = tempDir();
    const env = fileEnv(dir);
    const c = canaries('nokey');
    await seedEveryKind(env, c);
    const before = readFileSync(keyFileOf(env), 'utf8');

    const missing = await runCliAsync(['key', 'rotate'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TOOLWIRE_NEW_SECRET_KEY is not set');
    expect(missing.stderr).toContain('openssl rand -base64 32');
    expect(missing.stderr).toContain('Nothing was changed');

    const malformed = await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: 'too-short' });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('TOOLWIRE_NEW_SECRET_KEY must be 32 bytes');

    const same = await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: before.trim() });
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('already the master key');

    expect(readFileSync(keyFileOf(env), 'utf8')).toBe(before);
    expect(await readEveryKind(env.TOOLWIRE_DB, parseMasterKey(before) as Buffer)).toEqual(c);
    expectNoLeak([missing, malformed, same], [...Object.values(c), ...keySpellings(parseMasterKey(before) as Buffer)]);
  });

  it('killed between the commit and the key file rename: the old key file still opens the database, and the next start puts the new key in it', async () => {
    const dir = tempDir();
    const env = fileEnv(dir);
    const c = canaries('window');
    await seedEveryKind(env, c);
    const oldFile = readFileSync(keyFileOf(env), 'utf8');
    const oldKey = parseMasterKey(oldFile) as Buffer;
    const key = newKey();
    const rotated = await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: key.toString('hex') });
    expect(rotated.code).toBe(0);
    // The state a SIGKILL right after the commit leaves: database sealed with the new key, key file old.
    writeFileSync(keyFileOf(env), oldFile, { mode: 0o600 });

    const listed = await runCliAsync(['provider', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('static');
    expect(listed.stderr).toContain('stopped before replacing the key file');
    expect(readKeyFile(env).equals(key)).toBe(true);
    expect(statSync(keyFileOf(env)).mode & 0o777).toBe(0o600);
    expect(await readEveryKind(env.TOOLWIRE_DB, key)).toEqual(c);
    expectNoLeak([rotated, listed], [...Object.values(c), ...keySpellings(key), ...keySpellings(oldKey)]);
  });

  it('a value a not-yet-updated server sealed with the old key at the instant of the commit still opens; `key finish` re-seals it and retires the old key', async () => {
    const dir = tempDir();
    const env = fileEnv(dir);
    const c = canaries('straggler');
    await seedEveryKind(env, c);
    const oldKey = readKeyFile(env);
    const key = newKey();
    expect((await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') })).code).toBe(0);

    // What a server that had not yet seen the rotation writes: the API key sealed with the old key.
    const raw = new BetterSqlite3(env.TOOLWIRE_DB);
    raw.prepare(`UPDATE providers SET api_key_value_enc = ? WHERE code = 'static'`).run(sealWith(oldKey, 'written-by-a-late-server'));
    raw.close();
    expect((await readEveryKind(env.TOOLWIRE_DB, key)).apiKey).toBe('written-by-a-late-server');

    const finished = await runCliAsync(['key', 'finish'], env);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(/old key no longer opens this database \(1 value/);
    expect(await readEveryKind(env.TOOLWIRE_DB, key)).toEqual({ ...c, apiKey: 'written-by-a-late-server' });
    for (const cell of sealedCells(env.TOOLWIRE_DB)) expect(opens(oldKey, cell.value), `${cell.table}.${cell.column}`).toBe(false);

    const again = await runCliAsync(['key', 'finish'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No key rotation to finish');
  });
});

describe('a process that opened the database before the rotation', () => {
  it('seals the next secret it writes with the new key, even before it reads one, and reads the re-sealed ones', async () => {
    const dir = tempDir();
    const env = fileEnv(dir);
    const c = canaries('running');
    await seedEveryKind(env, c);
    const oldKey = readKeyFile(env);
    const running = await createApp(loadConfig({ ...env, TOOLWIRE_LOG_LEVEL: 'silent' }), createLog('silent'));
    try {
      const key = newKey();
      expect((await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') })).code).toBe(0);

      await running.catalog.createProvider({
        name: 'Late',
        code: 'late',
        baseUrl: 'http://127.0.0.1:9',
        authenticationType: 'BEARER_TOKEN',
        apiKeyValue: 'written-after-the-rotation',
      });
      const sealed = sealedCells(env.TOOLWIRE_DB).filter((cell) => cell.table === 'providers' && cell.column === 'api_key_value_enc');
      expect(sealed).toHaveLength(3);
      for (const cell of sealed) expect(opens(key, cell.value) && !opens(oldKey, cell.value)).toBe(true);
      expect((await running.catalog.getProvider('static')).apiKeyValue).toBe(c.apiKey);
      expect(await running.store.vaults.tokenFor(VAULT_URL, 'streamable_http')).toBe(c.vault);
      expect(await readEveryKind(env.TOOLWIRE_DB, key)).toEqual(c);
    } finally {
      await running.close();
    }
  });
});

describe('toolwire key rotate (TOOLWIRE_SECRET_KEY in the environment)', () => {
  it('says the environment must change; the old key keeps working (with a warning) until `key finish`, then is refused clearly', async () => {
    const dir = tempDir();
    const oldKey = newKey();
    const key = newKey();
    const base = { TOOLWIRE_DB: join(dir, 'tw.db'), TOOLWIRE_LOG_LEVEL: 'info' };
    const withOld = { ...base, TOOLWIRE_SECRET_KEY: oldKey.toString('base64') };
    const withNew = { ...base, TOOLWIRE_SECRET_KEY: key.toString('hex') };
    const c = canaries('env');
    await seedEveryKind(withOld, c);

    const rotated = await runCliAsync(['key', 'rotate'], { ...withOld, TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') });
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('TOOLWIRE_SECRET_KEY still holds the OLD key');
    expect(readdirSync(dir).filter((f) => f.includes('.key'))).toEqual([]);

    const oldStill = await runCliAsync(['provider', 'list'], withOld);
    expect(oldStill.code).toBe(0);
    expect(oldStill.stderr).toContain('TOOLWIRE_SECRET_KEY holds the master key from before the last `toolwire key rotate`');
    expect(await readEveryKind(base.TOOLWIRE_DB, oldKey)).toEqual(c);
    expect(await readEveryKind(base.TOOLWIRE_DB, key)).toEqual(c);

    // Finishing with the old key would lock it out of its own database: refused.
    const wrongFinish = await runCliAsync(['key', 'finish'], withOld);
    expect(wrongFinish.code).toBe(1);
    expect(wrongFinish.stderr).toContain('is the one from before the rotation');

    const reuse = await runCliAsync(['key', 'rotate'], { ...withNew, TOOLWIRE_NEW_SECRET_KEY: oldKey.toString('base64') });
    expect(reuse.code).toBe(1);
    expect(reuse.stderr).toContain('a key this database had before');

    // One rotation at a time: a second one now would lock out the servers still on the old key.
    const again = await runCliAsync(['key', 'rotate'], { ...withNew, TOOLWIRE_NEW_SECRET_KEY: newKey().toString('base64') });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('A rotation is still pending');
    expect(await readEveryKind(base.TOOLWIRE_DB, oldKey)).toEqual(c);

    const finished = await runCliAsync(['key', 'finish'], withNew);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('old key no longer opens this database');

    const refused = await runCliAsync(['provider', 'list'], withOld);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The master key does not open the database');
    expect(refused.stderr).toContain('toolwire key finish');
    await expect(async () => readEveryKind(base.TOOLWIRE_DB, oldKey)).rejects.toThrow();
    expect(await readEveryKind(base.TOOLWIRE_DB, key)).toEqual(c);

    // A leaked old key opens nothing left in the files: no sealed value, not even in free pages or the WAL.
    const inFiles = sealedStringsInFiles(base.TOOLWIRE_DB);
    expect(inFiles.filter((sealed) => opens(key, sealed)).length).toBeGreaterThanOrEqual(6);
    for (const sealed of inFiles) expect(opens(oldKey, sealed)).toBe(false);
    const forbidden = [...Object.values(c), ...keySpellings(key), ...keySpellings(oldKey)];
    expectNoLeak([rotated, oldStill, wrongFinish, reuse, finished, refused], forbidden);
    expectNone(fileText(base.TOOLWIRE_DB), forbidden, 'the database files');
  });

  it('rejects extra arguments, unknown subcommands and a database that does not exist, creating nothing', async () => {
    const env = fileEnv(tempDir());
    const unknown = await runCliAsync(['key', 'spin'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('toolwire key rotate');
    const extra = await runCliAsync(['key', 'rotate', 'abc'], env);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('TOOLWIRE_NEW_SECRET_KEY');
    const nothing = await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: newKey().toString('base64') });
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('There is no database at');
    expect(readdirSync(join(env.TOOLWIRE_DB, '..'))).toEqual([]);
  });
});
