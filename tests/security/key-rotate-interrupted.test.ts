import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLog } from '../../src/core/log.js';
import { createStore } from '../../src/store/index.js';
import { parseMasterKey } from '../../src/core/master-key.js';
import { sealWith } from '../../src/store/secret-box.js';
import { tempDir } from '../helpers/app.js';
import { CLI, runCliAsync } from '../helpers/cli.js';
import { expectNone, keySpellings, newKey, opens } from './key-rotate.harness.js';

/**
 * SPEC §15: "an interrupted rotation leaves the database usable with the old key". No test hook in the
 * product: the rotation process is SIGKILLed in the middle of its transaction on a large database, or
 * cannot start its transaction because this test holds the write lock.
 */

const COUNT = 5000;
const apiKeyOf = (i: number) => `bulk-apikey-${i}-c4f1`;
const headerOf = (i: number) => `bulk-header-${i}-${'q'.repeat(3000)}`;

/** A database (key file beside it) with COUNT providers, each with an API key and a large custom header. */
async function largeDatabase(): Promise<{ env: { TOOLWIRE_DB: string; TOOLWIRE_LOG_LEVEL: string }; oldKey: Buffer; keyFileText: string }> {
  const dir = tempDir();
  const env = { TOOLWIRE_DB: join(dir, 'tw.db'), TOOLWIRE_LOG_LEVEL: 'info' };
  await (await createApp(loadConfig(env), createLog('silent'))).close();
  const keyFileText = readFileSync(`${env.TOOLWIRE_DB}.key`, 'utf8');
  const oldKey = parseMasterKey(keyFileText) as Buffer;
  const db = new BetterSqlite3(env.TOOLWIRE_DB);
  const insert = db.prepare(
    `INSERT INTO providers (code, name, base_url, authentication_type, api_key_location, api_key_name, api_key_value_enc, custom_headers_enc, created_at, updated_at)
     VALUES (?, ?, 'http://127.0.0.1:9', 'BEARER_TOKEN', 'HEADER', 'Authorization', ?, ?, datetime('now'), datetime('now'))`,
  );
  db.transaction(() => {
    for (let i = 0; i < COUNT; i++) {
      insert.run(`bulk-${i}`, `Bulk ${i}`, sealWith(oldKey, apiKeyOf(i)), sealWith(oldKey, JSON.stringify({ 'X-Bulk': headerOf(i) })));
    }
  })();
  db.close();
  return { env, oldKey, keyFileText };
}

/** Every provider's secrets, read by a process holding `key`. */
async function expectAllSecrets(dbPath: string, key: Buffer): Promise<void> {
  const store = await createStore(dbPath, key);
  try {
    const providers = await store.providers.list();
    expect(providers).toHaveLength(COUNT);
    for (const p of providers) {
      const i = Number(p.code.slice('bulk-'.length));
      if (p.apiKeyValue !== apiKeyOf(i) || p.customHeaders['X-Bulk'] !== headerOf(i)) throw new Error(`provider ${p.code} does not decrypt to its secrets`);
    }
  } finally {
    await store.close();
  }
}

function keyCheck(dbPath: string): string {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return db.prepare(`SELECT value FROM meta WHERE key = 'key_check'`).pluck().get() as string;
  } finally {
    db.close();
  }
}

describe('an interrupted key rotation', () => {
  it('SIGKILLed in the middle of its transaction: the key file is unchanged and the old key opens every secret', async () => {
    const { env, oldKey, keyFileText } = await largeDatabase();
    const key = newKey();
    const wal = `${env.TOOLWIRE_DB}-wal`;
    const child = spawn(process.execPath, [CLI, 'key', 'rotate'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

    // The re-sealed pages spill into the WAL while the transaction is open: stop the process there.
    const deadline = Date.now() + 60_000;
    while (!(existsSync(wal) && statSync(wal).size > 256 * 1024)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the rotation ended before it could be interrupted: ${output}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGSTOP');
    // Proof that it is mid-transaction: half the work is in the WAL, yet nothing is committed.
    expect(statSync(wal).size).toBeGreaterThan(256 * 1024);
    expect(opens(oldKey, keyCheck(env.TOOLWIRE_DB)), 'the rotation had already committed: make the database larger').toBe(true);
    child.kill('SIGKILL');
    await exited;

    expect(readFileSync(`${env.TOOLWIRE_DB}.key`, 'utf8')).toBe(keyFileText);
    expect(readdirSync(join(env.TOOLWIRE_DB, '..')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(opens(oldKey, keyCheck(env.TOOLWIRE_DB))).toBe(true);
    await expectAllSecrets(env.TOOLWIRE_DB, oldKey);
    const listed = await runCliAsync(['provider', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('bulk-4999');
    expect(listed.stderr).not.toContain('key rotate');

    // Run again to the end: everything is sealed with the new key.
    const rotated = await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`Re-encrypted ${2 * COUNT} secret value(s)`);
    await expectAllSecrets(env.TOOLWIRE_DB, key);
    expectNone(
      `${output}${rotated.stdout}${rotated.stderr}${listed.stderr}`,
      [apiKeyOf(7), headerOf(7), ...keySpellings(oldKey), ...keySpellings(key)],
      'output',
    );
  }, 180_000);

  it('unable to get the write lock (another process holds it): a clear error, nothing changed, the old key opens every secret', async () => {
    const { env, oldKey, keyFileText } = await largeDatabase();
    const key = newKey();
    const holder = new BetterSqlite3(env.TOOLWIRE_DB);
    holder.exec('BEGIN IMMEDIATE');
    let rotated: Awaited<ReturnType<typeof runCliAsync>>;
    try {
      rotated = await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(rotated.code).toBe(1);
    expect(rotated.stderr).toContain('The database is busy');
    expect(rotated.stderr).toContain('Nothing was changed');
    expect(readFileSync(`${env.TOOLWIRE_DB}.key`, 'utf8')).toBe(keyFileText);
    expect(opens(oldKey, keyCheck(env.TOOLWIRE_DB))).toBe(true);
    await expectAllSecrets(env.TOOLWIRE_DB, oldKey);
    expectNone(`${rotated.stdout}${rotated.stderr}`, [...keySpellings(oldKey), ...keySpellings(key)], 'output');
  }, 120_000);
});
