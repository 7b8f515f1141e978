import { CLI_RULES } from '../../src/catalog/write-rules.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Log } from '../../src/core/log.js';
import { startAdmin, type AdminHarness } from './harness.js';
import { flatKindFields } from '../../src/core/model.js';

let admin: AdminHarness | null = null;
afterEach(async () => {
  await admin?.close();
  admin = null;
});

function recordingLog(lines: string[]): Log {
  const push = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

describe("failures that are not the client's", () => {
  it('an unexpected exception is a generic JSON 500, logged without the request body', async () => {
    const lines: string[] = [];
    admin = await startAdmin({}, recordingLog(lines));
    const { app } = admin;
    await app.store.database.driver.exec('DROP TRIGGER providers_insert_bump; DROP TABLE tools; DROP TABLE providers');
    const res = await admin.call('POST', '/providers', { name: 'X', baseUrl: 'https://x.example.com', apiKeyValue: 'canary-500-secret' });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: 'internal_error', message: expect.stringMatching(/unexpectedly/) });
    expect(res.text).not.toMatch(/providers|sqlite|canary/i);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: admin POST \/admin\/providers failed unexpectedly/);
    expect(lines[0]).not.toContain('canary-500-secret');
  });
});

describe('stdio MCP upstreams over HTTP (SPEC §9)', () => {
  const stdio = { name: 'Local MCP', code: 'local-mcp', kind: 'mcp', command: 'node', args: ['server.js'], env: { API_TOKEN: 'canary-env-secret' } };

  it('are refused with 403 by default; one added by the CLI round-trips, but its command cannot be changed', async () => {
    admin = await startAdmin();
    expect((await admin.call('POST', '/providers', stdio)).status).toBe(403);
    expect((await admin.call('POST', '/providers', { name: 'P', kind: 'mcp', protocol: 'stdio' })).status).toBe(403);

    const created = await admin.app.catalog.createProvider(stdio, CLI_RULES); // the CLI may always add them
    const shown = await admin.call('GET', `/providers/${created.id}`);
    expect(shown.json).toMatchObject({ kind: 'mcp', protocol: 'stdio', command: 'node', env: { API_TOKEN: 'generic_text' } });
    const back = await admin.call('PUT', `/providers/${created.id}`, shown.json);
    expect(back.status, back.text).toBe(200);
    expect(flatKindFields(await admin.app.catalog.getProvider(created.id)).env).toEqual({ API_TOKEN: 'canary-env-secret' });
    expect((await admin.call('PUT', `/providers/${created.id}`, { name: 'Renamed' })).status).toBe(200);

    // Dropping or adding an env key changes what runs as much as changing a value.
    const dropped = { env: {} };
    const added = { env: { API_TOKEN: 'generic_text', NODE_OPTIONS: '--require /tmp/x.js' } };
    for (const change of [{ command: 'bash' }, { args: ['-c', 'rm -rf /'] }, { env: { API_TOKEN: 'other' } }, dropped, added]) {
      const res = await admin.call('PUT', `/providers/${created.id}`, change);
      expect(res.status, JSON.stringify(change)).toBe(403);
      expect(res.json.error).toBe('forbidden');
    }
    expect(flatKindFields(await admin.app.catalog.getProvider(created.id))).toMatchObject({
      command: 'node',
      args: ['server.js'],
      env: { API_TOKEN: 'canary-env-secret' },
    });
    expect((await admin.call('DELETE', `/providers/${created.id}`)).status).toBe(204);
    expect(admin.bodies.some((b) => b.includes('canary-env-secret'))).toBe(false);
  });

  it('are accepted with TOOLWIRE_ALLOW_STDIO_UPSTREAMS=1', async () => {
    admin = await startAdmin({ TOOLWIRE_ALLOW_STDIO_UPSTREAMS: '1' });
    const res = await admin.call('POST', '/providers', stdio);
    expect(res.status, res.text).toBe(201);
    expect(res.json.env).toEqual({ API_TOKEN: 'generic_text' });
  });
});
