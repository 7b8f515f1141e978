import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { presentProvider } from '../src/catalog/views.js';
import { exportProviders } from '../src/catalog/io/export.js';
import { CLI_RULES } from '../src/catalog/write-rules.js';
import { loadConfig } from '../src/config.js';
import { flatKindFields } from '../src/core/model.js';
import { testEnv } from './helpers/app.js';

/**
 * Inside, a provider is one of two things (`kind: 'http'` with a `baseUrl`, `kind: 'mcp'` with a
 * transport); at the edges it keeps HandsAI's flat fields. These check both sides of that line.
 */
describe('provider kinds', () => {
  let app: App;
  afterEach(async () => {
    await app?.close();
  });

  it('an HTTP provider carries its baseUrl and nothing of an MCP server, and its admin view is unchanged', async () => {
    app = await createApp(loadConfig(testEnv()));
    const p = await app.catalog.createProvider({ name: 'API', code: 'api', baseUrl: 'https://api.example.test/v1' });
    expect(p).toMatchObject({ kind: 'http', baseUrl: 'https://api.example.test/v1' });
    expect(p).not.toHaveProperty('transport');
    expect(p).not.toHaveProperty('url');
    const view = presentProvider(p);
    expect(view.baseUrl).toBe('https://api.example.test/v1');
    expect(view).not.toHaveProperty('url');
    expect(view).not.toHaveProperty('command');
  });

  it('an MCP provider carries its transport, remote or stdio, and answers with the flat fields and a null baseUrl', async () => {
    app = await createApp(loadConfig(testEnv()));
    const remote = await app.catalog.createProvider({ name: 'Remote', code: 'remote', kind: 'mcp', url: 'https://mcp.example.test/mcp', protocol: 'sse' });
    expect(remote).toMatchObject({ kind: 'mcp', transport: { protocol: 'sse', url: 'https://mcp.example.test/mcp' } });
    expect(remote).not.toHaveProperty('baseUrl');
    expect(presentProvider(remote)).toMatchObject({ baseUrl: null, url: 'https://mcp.example.test/mcp', protocol: 'sse', command: null, args: [], env: {} });

    const local = await app.catalog.createProvider(
      { name: 'Local', code: 'local', kind: 'mcp', command: 'node', args: ['s.js'], env: { TOKEN: 'kinds-env-secret' } },
      CLI_RULES,
    );
    expect(local).toMatchObject({ kind: 'mcp', transport: { protocol: 'stdio', command: 'node', args: ['s.js'], env: { TOKEN: 'kinds-env-secret' } } });
    expect(presentProvider(local)).toMatchObject({
      baseUrl: null,
      url: null,
      protocol: 'stdio',
      command: 'node',
      args: ['s.js'],
      env: { TOKEN: 'generic_text' },
    });

    const [exported] = await exportProviders(app.catalog, ['local']);
    expect(exported).toMatchObject({ kind: 'mcp', protocol: 'stdio', command: 'node', env: { TOKEN: '<YOUR_API_KEY>' } });
  });

  it('changing kind keeps only the new kind’s fields: an MCP server turned HTTP API forgets its command and env', async () => {
    app = await createApp(loadConfig(testEnv()));
    await app.catalog.createProvider({ name: 'Local', code: 'local', kind: 'mcp', command: 'node', env: { TOKEN: 'kinds-env-secret' } }, CLI_RULES);
    const { provider } = await app.catalog.updateProvider('local', { kind: 'http', baseUrl: 'https://api.example.test' }, CLI_RULES);
    expect(provider).toMatchObject({ kind: 'http', baseUrl: 'https://api.example.test' });
    expect(provider).not.toHaveProperty('transport');
    expect(flatKindFields(await app.catalog.getProvider('local'))).toEqual({
      baseUrl: 'https://api.example.test',
      url: null,
      protocol: null,
      command: null,
      args: [],
      env: {},
    });

    // And back: an MCP provider may not keep a baseUrl, so the update must drop it in the same write.
    await expect(async () => app.catalog.updateProvider('local', { kind: 'mcp', url: 'https://mcp.example.test/mcp' })).rejects.toThrow(
      /baseUrl must be absent for kind "mcp"/,
    );
    expect(await app.catalog.getProvider('local')).toMatchObject({ kind: 'http' });
  });
});
