import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir, testEnv } from '../helpers/app.js';

// Issue 11 (lower items): the CLI as a user runs it, in a pipeline and without its key file.

/** A database with `count` tools, through the CLI's own import. */
function databaseWithTools(count: number, extra: Record<string, string> = {}): Record<string, string> {
  const dir = tempDir();
  const env = testEnv(dir, extra);
  const tools = Array.from({ length: count }, (_, i) => ({
    name: `Tool ${i}`,
    code: `tool-${i}`,
    description: `Tool number ${i}, with a description long enough to make the listing larger than a pipe's buffer.`,
    endpointPath: `/items/${i}`,
    httpMethod: 'GET',
  }));
  const file = join(dir, 'import.json');
  writeFileSync(file, JSON.stringify([{ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9', tools }]));
  const imported = runCli(['import', file], env);
  expect(imported.code, imported.stderr).toBe(0);
  return env;
}

/** Runs the CLI with its stdout read by something that stops after the first chunk (`| head -1`). */
function runWithEarlyClosedStdout(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; firstChunk: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let firstChunk = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', (d: Buffer) => {
      firstChunk = d.toString();
      child.stdout.destroy(); // the reader goes away: the CLI's next write meets a closed pipe
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderr, firstChunk }));
  });
}

describe('a closed stdout (`toolwire tool list --json | head -1`)', () => {
  const env = databaseWithTools(3000);

  for (const args of [
    ['tool', 'list', '--json'],
    ['tool', 'list'],
  ]) {
    it(`\`${args.join(' ')}\` ends quietly with exit 0, no EPIPE and no stack trace`, async () => {
      const run = await runWithEarlyClosedStdout(args, env);
      expect(run.firstChunk.length).toBeGreaterThan(0);
      expect(run.stderr).not.toMatch(/EPIPE/);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).toBe('');
      expect(run.signal).toBeNull();
      expect(run.code).toBe(0);
    });
  }
});

describe('a database that has a key, started without it', () => {
  it('refuses, names the missing key file, and writes no new key beside the database', () => {
    const dir = tempDir();
    // No TOOLWIRE_SECRET_KEY: the key lives in the file beside the database.
    const env = { TOOLWIRE_DB: join(dir, 'toolwire.db'), TOOLWIRE_LOG_LEVEL: 'silent' };
    const keyFile = `${env.TOOLWIRE_DB}.key`;
    const added = runCli(
      ['provider', 'add', '-'],
      env,
      JSON.stringify({
        name: 'P',
        code: 'p',
        baseUrl: 'http://127.0.0.1:9',
        authenticationType: 'API_KEY',
        apiKeyName: 'X-Key',
        apiKeyLocation: 'HEADER',
        apiKeyValue: 'secret-value-123',
      }),
    );
    expect(added.code, added.stderr).toBe(0);
    expect(existsSync(keyFile)).toBe(true);
    const originalKey = readFileSync(keyFile, 'utf8');
    const dbBefore = statSync(env.TOOLWIRE_DB).mtimeMs;

    renameSync(keyFile, `${keyFile}.backup`); // lost: a copied database, a cleaned folder
    for (const args of [
      ['tool', 'list'],
      ['serve', '--http', '--port', '0'],
    ]) {
      const run = runCli(args, env);
      expect(run.code, run.stdout).not.toBe(0);
      expect(run.stderr).toContain(`The key file ${keyFile} is missing`);
      expect(run.stderr).toMatch(/restore it.*TOOLWIRE_SECRET_KEY/is);
      expect(run.stderr).toMatch(/Nothing was written/);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(existsSync(keyFile)).toBe(false);
    }
    expect(statSync(env.TOOLWIRE_DB).mtimeMs).toBe(dbBefore);

    // Restored, everything opens as before.
    renameSync(`${keyFile}.backup`, keyFile);
    expect(readFileSync(keyFile, 'utf8')).toBe(originalKey);
    const listed = runCli(['provider', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).map((p: { code: string }) => p.code)).toEqual(['p']);
  });

  it('with TOOLWIRE_SECRET_KEY given instead, opens it and writes no key file', () => {
    const dir = tempDir();
    const env = { TOOLWIRE_DB: join(dir, 'toolwire.db'), TOOLWIRE_LOG_LEVEL: 'silent' };
    const keyFile = `${env.TOOLWIRE_DB}.key`;
    expect(runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' })).code).toBe(0);
    const key = readFileSync(keyFile, 'utf8').trim();
    renameSync(keyFile, `${keyFile}.elsewhere`);
    const run = runCli(['provider', 'list', '--json'], { ...env, TOOLWIRE_SECRET_KEY: key });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(keyFile)).toBe(false);
  });

  it('a new database still gets its key file at first use', () => {
    const dir = tempDir();
    const env = { TOOLWIRE_DB: join(dir, 'toolwire.db'), TOOLWIRE_LOG_LEVEL: 'silent' };
    const run = runCli(['provider', 'list'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(`${env.TOOLWIRE_DB}.key`)).toBe(true);
  });
});
