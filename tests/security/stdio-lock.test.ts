import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_RULES } from '../../src/catalog/write-rules.js';
import { startFederation } from '../../src/outbound/federation/index.js';
import { startCompat, type CompatHarness } from '../compat/harness.js';
import { tempDir } from '../helpers/app.js';
import { FAST, STDIO_FIXTURE } from '../federation/harness.js';
import { flatKindFields } from '../../src/core/model.js';

// Issue 10 C1: command execution from the HTTP admin API despite the stdio guard. The guard judged the
// request body against the stored protocol, and `null` reset fields to defaults, so three harmless-looking
// updates turned a provider back into stdio with new args. These tests replay the attack; the marker file
// is what the injected code would write if it ever ran.

let h: CompatHarness;
afterEach(async () => {
  await h?.close();
});

const STDIO = {
  name: 'Local MCP',
  code: 'local',
  kind: 'mcp',
  command: process.execPath,
  args: [STDIO_FIXTURE],
  env: { FIXTURE_SECRET: 'stdio-lock-env-secret' },
};

async function withStdioProvider(): Promise<{ id: number; marker: string; evilArgs: string[] }> {
  h = await startCompat();
  await startFederation(h.server.app, FAST);
  const created = await h.server.app.catalog.createProvider(STDIO, CLI_RULES); // the CLI may register commands
  const marker = join(tempDir(), 'pwned');
  return { id: created.id, marker, evilArgs: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'pwned')`] };
}

async function noMarkerAfterAWhile(marker: string) {
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // long enough for a federation restart to run
  expect(existsSync(marker)).toBe(false);
}

describe('C1: the stdio lock judges the resulting record', () => {
  it('PUT protocol → args → protocol:null never makes the provider stdio again, and nothing runs', async () => {
    const { id, marker, evilArgs } = await withStdioProvider();
    const away = await h.call('PUT', `/admin/providers/${id}`, { protocol: 'streamable_http', url: 'http://127.0.0.1:9/mcp' });
    expect(away.status, away.text).toBe(200);
    // A provider that stops being stdio forgets its command, args and env.
    expect(flatKindFields(await h.server.app.catalog.getProvider(id))).toMatchObject({ protocol: 'streamable_http', command: null, args: [], env: {} });

    const args = await h.call('PUT', `/admin/providers/${id}`, { args: evilArgs });
    expect(args.status, args.text).toBe(200);
    expect(flatKindFields(await h.server.app.catalog.getProvider(id)).args).toEqual([]);

    const back = await h.call('PUT', `/admin/providers/${id}`, { protocol: null });
    expect(back.status, back.text).toBe(200);
    expect(flatKindFields(await h.server.app.catalog.getProvider(id))).toMatchObject({ protocol: 'streamable_http', command: null });

    // A command given to a provider that stays on HTTP is not kept: it could only wait to be revived.
    expect((await h.call('PUT', `/admin/providers/${id}`, { command: process.execPath, args: evilArgs })).status).toBe(200);
    expect(flatKindFields(await h.server.app.catalog.getProvider(id))).toMatchObject({ protocol: 'streamable_http', command: null, args: [] });
    // Asking for stdio outright, with the old command or a new one, is refused and writes nothing.
    for (const change of [
      { protocol: 'stdio', command: process.execPath, args: evilArgs },
      { protocol: 'stdio', command: process.execPath, args: [STDIO_FIXTURE] },
      { protocol: 'stdio' },
    ]) {
      const res = await h.call('PUT', `/admin/providers/${id}`, change);
      expect(res.status, JSON.stringify(change)).toBe(403);
      expect(res.json.message).toMatch(/TOOLWIRE_ALLOW_STDIO_UPSTREAMS=1/);
    }
    expect(flatKindFields(await h.server.app.catalog.getProvider(id))).toMatchObject({ protocol: 'streamable_http', command: null, args: [] });
    await noMarkerAfterAWhile(marker);
  });

  it('three single-entry POST /admin/import calls cannot do it either', async () => {
    const { marker, evilArgs } = await withStdioProvider();
    const steps = [
      [{ code: 'local', name: 'Local MCP', kind: 'mcp', protocol: 'streamable_http', url: 'http://127.0.0.1:9/mcp', tools: [] }],
      [{ code: 'local', name: 'Local MCP', kind: 'mcp', args: evilArgs, tools: [] }],
      [{ code: 'local', name: 'Local MCP', kind: 'mcp', protocol: null, tools: [] }],
    ];
    for (const body of steps) {
      const res = await h.call('POST', '/admin/import', body);
      expect(res.status, res.text).toBe(200);
    }
    expect(flatKindFields(await h.server.app.catalog.getProvider('local'))).toMatchObject({ protocol: 'streamable_http', command: null, args: [] });
    const direct = await h.call('POST', '/admin/import', [
      { code: 'local', name: 'Local MCP', kind: 'mcp', protocol: 'stdio', command: process.execPath, args: evilArgs, tools: [] },
    ]);
    expect(direct.status, direct.text).toBe(403);
    await noMarkerAfterAWhile(marker);
  });

  it('an import that keeps the stored command byte for byte passes; one that changes args does not, and writes nothing', async () => {
    const { id, marker, evilArgs } = await withStdioProvider();
    const same = await h.call('POST', '/admin/import', [{ ...STDIO, env: { FIXTURE_SECRET: '<YOUR_API_KEY>' }, name: 'Renamed', tools: [] }]);
    expect(same.status, same.text).toBe(200);
    expect((await h.server.app.catalog.getProvider(id)).name).toBe('Renamed');
    expect(flatKindFields(await h.server.app.catalog.getProvider(id))).toMatchObject({
      args: [STDIO_FIXTURE],
      env: { FIXTURE_SECRET: 'stdio-lock-env-secret' },
    });
    const changed = await h.call('POST', '/admin/import', [
      { code: 'other', name: 'Other', baseUrl: 'http://127.0.0.1:9', tools: [] },
      { ...STDIO, args: evilArgs, tools: [] },
    ]);
    expect(changed.status, changed.text).toBe(403);
    expect((await h.server.app.catalog.listProviders()).map((p) => p.code)).toEqual(['local']); // all-or-nothing
    await noMarkerAfterAWhile(marker);
  });

  it('mcp_config of add-git-providers cannot change what a stdio server it registered runs', async () => {
    h = await startCompat();
    const server = { name: 'fs', command: process.execPath, args: [STDIO_FIXTURE] };
    // Registered as mcp_config would have with the flag on (or by the CLI): the provider and its mark.
    const created = await h.server.app.catalog.createProvider(
      { name: 'fs', code: 'fs', kind: 'mcp', protocol: 'stdio', command: server.command, args: server.args },
      CLI_RULES,
    );
    await h.server.app.store.mcpRegistrations.add(created.id, 'stdio:fs');
    expect((await h.call('POST', '/api/add-git-providers', { mcp_config: { stdio_servers: [server] } })).status).toBe(200);
    const evil = await h.call('POST', '/api/add-git-providers', { mcp_config: { stdio_servers: [{ ...server, args: ['-e', '1'] }] } });
    expect(evil.status, evil.text).toBe(403);
    expect(evil.json.detail).toContain('TOOLWIRE_ALLOW_STDIO_UPSTREAMS=1');
  });
});

describe('null in a partial update means "not given"', () => {
  it('enabled:null keeps a disabled provider disabled; protocol, toolMode, kind and the maps stay too', async () => {
    h = await startCompat();
    const created = await h.call('POST', '/admin/providers', {
      name: 'P',
      code: 'p',
      baseUrl: 'http://127.0.0.1:9',
      enabled: false,
      toolMode: 'meta',
      isExportable: false,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'QUERY_PARAMETER',
      apiKeyName: 'key',
      apiKeyValue: 'null-test-secret',
      isDynamicAuth: true,
      dynamicAuthUrl: 'http://127.0.0.1:9/token',
      dynamicAuthPayload: '{"client_secret":"payload-secret"}',
      customHeaders: { 'X-Token': 'header-secret' },
    });
    expect(created.status, created.text).toBe(201);
    const nulls = Object.fromEntries(
      [
        'enabled',
        'toolMode',
        'isExportable',
        'authenticationType',
        'apiKeyLocation',
        'apiKeyName',
        'apiKeyValue',
        'isDynamicAuth',
        'dynamicAuthUrl',
        'dynamicAuthPayload',
        'customHeaders',
        'kind',
        'baseUrl',
        'name',
      ].map((k) => [k, null]),
    );
    const res = await h.call('PUT', `/admin/providers/${created.json.id}`, nulls);
    expect(res.status, res.text).toBe(200);
    expect(await h.server.app.catalog.getProvider('p')).toMatchObject({
      enabled: false,
      toolMode: 'meta',
      isExportable: false,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'QUERY_PARAMETER',
      apiKeyName: 'key',
      apiKeyValue: 'null-test-secret',
      isDynamicAuth: true,
      dynamicAuthPayload: '{"client_secret":"payload-secret"}',
      customHeaders: { 'X-Token': 'header-secret' },
      kind: 'http',
      baseUrl: 'http://127.0.0.1:9',
      name: 'P',
    });
  });
});
