import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_RULES } from '../../src/catalog/write-rules.js';
import { tempDir, textOf } from '../helpers/app.js';
import { federatedApp, listeningClient, POLL, type FederatedApp } from '../federation/harness.js';

/**
 * M3: every env value of a stdio upstream is a secret. Before, only credential-named or token-like
 * values were masked: a database URL with its password, a short password, a passphrase with spaces
 * reached agents in "not connected (its last stderr line: …)", in results and in warn logs.
 */
const FIXTURE = fileURLToPath(new URL('../fixtures/federation-security-stdio.mjs', import.meta.url));
const DB_PASSWORD = 's3cr!t@pw';
const ENV = {
  FIXTURE_DB_URL: `postgres://dbuser:${encodeURIComponent(DB_PASSWORD)}@db.internal:5432/app`,
  FIXTURE_SHORT: 'pw12',
  FIXTURE_PHRASE: 'correct horse battery staple',
  FIXTURE_LEVEL: 'warn',
  FIXTURE_TINY: 'on', // under the redactor's 4-character minimum: an ordinary word, never masked
};
/** Every form an env value must never take in what leaves toolwire. */
const LEAKS = [
  ENV.FIXTURE_DB_URL,
  DB_PASSWORD,
  encodeURIComponent(DB_PASSWORD),
  `dbuser:${encodeURIComponent(DB_PASSWORD)}`,
  ENV.FIXTURE_SHORT,
  ENV.FIXTURE_PHRASE,
];

let fed: FederatedApp;
afterEach(async () => {
  await fed?.app.close();
});

async function addServer(app: FederatedApp['app'], extra: Record<string, string> = {}) {
  return await app.catalog.createProvider(
    { name: 'Env', code: 'envy', kind: 'mcp', command: process.execPath, args: [FIXTURE], env: { ...ENV, ...extra } },
    CLI_RULES,
  );
}

describe('federation: the env values of a stdio upstream are all secrets (M3)', () => {
  it('masks each value (URL, its password, short, with spaces) in tool results, text and structuredContent', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await addServer(fed.app);
    await expect.poll(names, POLL).toContain('envy__env');
    const result = await client.callTool({ name: 'envy__env', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      FIXTURE_DB_URL: '[REDACTED]',
      FIXTURE_LEVEL: '[REDACTED]',
      FIXTURE_PHRASE: '[REDACTED]',
      FIXTURE_SHORT: '[REDACTED]',
      FIXTURE_TINY: 'on',
    });
    const serialized = JSON.stringify(result);
    for (const secret of LEAKS) expect(serialized).not.toContain(secret);
    expect(textOf(result)).toContain('"FIXTURE_TINY":"on"');
  });

  it('masks them, and the URL password on its own, in "not connected (its last stderr line: …)", the status and the warn logs', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await addServer(fed.app, { FIXTURE_DEAD_FILE: join(tempDir(), 'dead') });
    await expect.poll(names, POLL).toContain('envy__env');

    // The server prints its environment and the decoded URL password on stderr, exits, and keeps failing.
    await client.callTool({ name: 'envy__die', arguments: {} });
    await expect.poll(() => fed.federation.status()[0]?.error ?? '', POLL).toContain('its last stderr line: fatal: could not connect');
    const down = await client.callTool({ name: 'envy__env', arguments: {} });
    expect(down.isError).toBe(true);
    const text = textOf(down);
    expect(text).toContain('is not connected');
    expect(text).toContain('its last stderr line: fatal: could not connect (password "[REDACTED]" refused)');
    expect(text).toContain('FIXTURE_PHRASE=[REDACTED]');
    expect(text).toContain('FIXTURE_SHORT=[REDACTED]');
    expect(text).toContain('FIXTURE_DB_URL=[REDACTED]');
    expect(text).toContain('FIXTURE_TINY=on');
    for (const secret of LEAKS) expect(text).not.toContain(secret);
    for (const secret of LEAKS) expect(fed.federation.status()[0]?.error).not.toContain(secret);

    const logs = fed.logs.join('');
    expect(logs).toMatch(/warn: upstream MCP server "envy" is unavailable: .*its last stderr line: fatal/);
    for (const secret of LEAKS) expect(logs).not.toContain(secret);
  });
});
