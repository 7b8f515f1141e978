import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCliAsync } from '../helpers/cli.js';
import { startServer } from '../helpers/http-server.js';

/**
 * Low and SPEC §15 "Files" (issue 10): a guessable client token is refused at start; key and token
 * files that others can read are refused with the chmod that fixes them; everything toolwire creates
 * for its database (the file, its WAL and shared memory, the key and token files) is 0600 in a 0700 folder.
 */
const modeOf = (path: string) => statSync(path).mode & 0o777;
const LONG_TOKEN = 'a-client-token-of-forty-characters-12345';

describe('Low: TOOLWIRE_TOKEN of at least 32 characters', () => {
  it('refuses a short TOOLWIRE_TOKEN at start, saying how to make a good one', async () => {
    const env = testEnv(tempDir(), { TOOLWIRE_TOKEN: 'secret123' });
    for (const command of [
      ['serve', '--http', '--port', '0'],
      ['start', '--port', '0'],
    ]) {
      const result = await runCliAsync(command, env);
      expect(result.code, command.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/TOOLWIRE_TOKEN is 9 characters long; it must have at least 32/);
      expect(result.stderr).toContain('openssl rand -hex 32');
      expect(result.stdout).not.toMatch(/MCP URL/);
    }
  });

  it('accepts a token of 32 characters or more', async () => {
    const server = await startServer([], testEnv(tempDir(), { TOOLWIRE_TOKEN: LONG_TOKEN }));
    try {
      expect(server.token).toBe(LONG_TOKEN);
    } finally {
      await server.stop();
    }
  });
});

describe('Low: key and token files open to group or others are refused', () => {
  it('refuses a key file readable or writable by group or others, naming the chmod that fixes it', async () => {
    const env = testEnv(tempDir(), { TOOLWIRE_SECRET_KEY: '' });
    const first = await runCliAsync(['provider', 'list'], env);
    expect(first.code, first.stderr).toBe(0);
    const keyFile = `${env.TOOLWIRE_DB}.key`;
    expect(modeOf(keyFile)).toBe(0o600);
    for (const mode of [0o644, 0o640, 0o620, 0o604, 0o602]) {
      chmodSync(keyFile, mode);
      const result = await runCliAsync(['provider', 'list'], env);
      expect(result.code, `${mode.toString(8)}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toContain(`chmod 600 ${keyFile}`);
      expect(result.stderr).toContain(keyFile);
    }
    chmodSync(keyFile, 0o600);
    const fixed = await runCliAsync(['provider', 'list'], env);
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it('refuses a token file readable by group or others at serve start', async () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const tokenFile = `${env.TOOLWIRE_DB}.token`;
    writeFileSync(tokenFile, `tw_${'x'.repeat(40)}\n`, { mode: 0o644 });
    chmodSync(tokenFile, 0o644);
    const result = await runCliAsync(['serve', '--http', '--port', '0'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`chmod 600 ${tokenFile}`);
    expect(result.stdout).not.toContain('x'.repeat(40));
  });

  it('refuses a token file that holds a short token', async () => {
    const env = testEnv(tempDir());
    const tokenFile = `${env.TOOLWIRE_DB}.token`;
    writeFileSync(tokenFile, 'short\n', { mode: 0o600 });
    const result = await runCliAsync(['serve', '--http', '--port', '0'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(tokenFile);
    expect(result.stderr).toMatch(/at least 32/);
  });
});

describe('SPEC §15 Files: 0600 files in a 0700 folder', () => {
  it('creates the folder 0700 and the database, WAL, shared memory, key and token files 0600, whatever the umask', async () => {
    const dir = join(tempDir(), 'data', 'toolwire');
    const env = testEnv(dir, { TOOLWIRE_SECRET_KEY: '' });
    const previous = process.umask(0o000); // the child inherits it: nothing may rely on a friendly umask
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer([], env);
    } finally {
      process.umask(previous);
    }
    try {
      const created = await fetch(server.url.replace('/mcp', '/admin/providers'), {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Files',
          code: 'files',
          baseUrl: 'http://127.0.0.1:9',
          authenticationType: 'BEARER_TOKEN',
          apiKeyValue: 'files-secret-value',
        }),
      });
      expect(created.status).toBe(201);
      const db = env.TOOLWIRE_DB as string;
      expect(modeOf(dir)).toBe(0o700);
      expect(modeOf(join(dir, '..'))).toBe(0o700);
      for (const file of [db, `${db}-wal`, `${db}-shm`, `${db}.key`, `${db}.token`]) {
        expect(existsSync(file), file).toBe(true);
        expect(modeOf(file).toString(8), file).toBe('600');
      }
    } finally {
      await server.stop();
    }
  });

  it('leaves an existing folder as it is', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'shared'), { mode: 0o755 });
    chmodSync(join(dir, 'shared'), 0o755);
    const env = testEnv(join(dir, 'shared'));
    const listed = await runCliAsync(['provider', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(modeOf(join(dir, 'shared'))).toBe(0o755);
    expect(modeOf(env.TOOLWIRE_DB as string)).toBe(0o600);
  });
});
