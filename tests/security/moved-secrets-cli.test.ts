import { describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCliAsync } from '../helpers/cli.js';

// Issue 10 M1 through the CLI: `provider update` that moves the API says on stderr which stored
// secrets it dropped (and never prints them); the same origin drops nothing.

const KEY = 'cli-moved-key-4f2a9c';

describe('toolwire provider update moving the API', () => {
  it('says which secrets were dropped and how to give them again', async () => {
    const env = testEnv(tempDir());
    const add = await runCliAsync(
      ['provider', 'add', '-'],
      env,
      JSON.stringify({ name: 'P', code: 'p', baseUrl: 'https://api.one.example', authenticationType: 'BEARER_TOKEN', apiKeyValue: KEY }),
    );
    expect(add.code, add.stderr).toBe(0);
    const samePlace = await runCliAsync(['provider', 'update', 'p', '-'], env, JSON.stringify({ baseUrl: 'https://api.one.example/v2' }));
    expect(samePlace.stderr).not.toContain('dropped');
    const moved = await runCliAsync(['provider', 'update', 'p', '-'], env, JSON.stringify({ baseUrl: 'https://api.two.example' }));
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain('Provider "p" now sends its credentials to another host, so the stored apiKeyValue was dropped');
    expect(moved.stderr).toContain('toolwire provider update p -');
    expect(`${moved.stdout}${moved.stderr}`).not.toContain(KEY);
  });
});
