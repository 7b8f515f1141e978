import { CLI_RULES } from '../../src/catalog/write-rules.js';
import { afterEach, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/app.js';
import { federatedApp, listeningClient, pidAlive, POLL, STDIO_FIXTURE, type FederatedApp } from './harness.js';

const ENV_SECRET = 'stdio-env-secret-4d1e77';
const SAFE_ENV = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

let fed: FederatedApp;
afterEach(async () => {
  await fed?.app.close();
});

async function addStdioProvider(app: FederatedApp['app'], code = 'fs', env: Record<string, string> = {}) {
  return await app.catalog.createProvider(
    { name: 'Fixture', code, kind: 'mcp', command: process.execPath, args: [STDIO_FIXTURE], env: { FIXTURE_SECRET: ENV_SECRET, ...env } },
    CLI_RULES,
  );
}

/** The health-check pings process `pid` has answered so far (the fixture says each on stderr, FIXTURE_LOG_PINGS). */
function pingsAnswered(fed: FederatedApp, pid: number): number {
  return fed.logs.filter((line) => line.includes(`stderr: fixture-stdio ${pid} answered ping `)).length;
}

async function whoami(client: Awaited<ReturnType<typeof listeningClient>>['client'], name = 'fs__whoami') {
  const result = await client.callTool({ name, arguments: {} });
  return { result, info: JSON.parse(textOf(result)) as { pid: number; secret: string; envKeys: string[] } };
}

describe('an upstream MCP server over stdio', () => {
  it('runs the command with only its env (masked in results and logs), lists and forwards its tools, and follows its list_changed', async () => {
    fed = await federatedApp();
    const { client, changes, names } = await listeningClient(fed.app);
    const provider = await addStdioProvider(fed.app);
    expect(provider).toMatchObject({ kind: 'mcp', transport: { protocol: 'stdio' } });
    await expect.poll(names, POLL).toEqual(['fs__add', 'fs__echo_data', 'fs__grow', 'fs__malformed', 'fs__whoami']);

    const add = (await client.listTools()).tools.find((t) => t.name === 'fs__add')!;
    expect(add).toMatchObject({
      title: 'Add two numbers',
      description: 'Adds a and b',
      outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
      annotations: { readOnlyHint: true, idempotentHint: true },
    });
    expect((await client.callTool({ name: 'fs__add', arguments: { a: 2, b: 40 } })).structuredContent).toEqual({ sum: 42 });

    const { info } = await whoami(client);
    expect(info.secret).toBe('[REDACTED]'); // the child got it; the agent does not see it
    expect(info.envKeys).toContain('FIXTURE_SECRET');
    for (const key of info.envKeys) expect([...SAFE_ENV, 'FIXTURE_SECRET']).toContain(key);
    expect(pidAlive(info.pid)).toBe(true);

    const before = changes();
    await client.callTool({ name: 'fs__grow', arguments: {} });
    await expect.poll(() => changes(), POLL).toBeGreaterThan(before);
    await expect.poll(names, POLL).toContain('fs__extra');
    expect(textOf(await client.callTool({ name: 'fs__extra', arguments: {} }))).toBe('extra here');

    // The fixture prints its secret on stderr: the debug log has the line, masked.
    await expect.poll(() => fed.logs.join(''), POLL).toContain('fixture-stdio starting with secret [REDACTED]');
    expect(fed.logs.join('')).not.toContain(ENV_SECRET);
  });

  it('restarts a stdio server whose process was killed, and stops it when its provider is removed', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await addStdioProvider(fed.app);
    await expect.poll(names, POLL).toContain('fs__whoami');
    const first = (await whoami(client)).info.pid;

    process.kill(first, 'SIGKILL');
    await expect
      .poll(async () => {
        const { result, info } = await whoami(client).catch(() => ({ result: null, info: null }));
        return result && !result.isError ? info?.pid : undefined;
      }, POLL)
      .toSatisfy((pid) => typeof pid === 'number' && pid !== first);
    const second = (await whoami(client)).info.pid;
    expect(pidAlive(second)).toBe(true);
    expect(fed.federation.status()[0]?.pid).toBe(second);

    await fed.app.catalog.removeProvider('fs');
    await expect.poll(() => pidAlive(second), POLL).toBe(false);
    expect(await names()).toEqual([]);
    expect(fed.federation.status()).toEqual([]);
  });

  it('restarts the server when its env changes, stops it when the provider is disabled, and App.close() stops the rest', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await addStdioProvider(fed.app, 'fs');
    await addStdioProvider(fed.app, 'fs2');
    await expect.poll(names, POLL).toEqual(expect.arrayContaining(['fs__whoami', 'fs2__whoami']));
    const before = (await whoami(client)).info.pid;

    await fed.app.catalog.updateProvider('fs', { env: { FIXTURE_SECRET: 'another-secret-value-2' } }, CLI_RULES);
    await expect.poll(() => pidAlive(before), POLL).toBe(false);
    await expect.poll(async () => (await whoami(client).catch(() => null))?.info.pid, POLL).toSatisfy((pid) => typeof pid === 'number' && pid !== before);
    const restarted = (await whoami(client)).info.pid;

    await fed.app.catalog.updateProvider('fs', { enabled: false }, CLI_RULES);
    await expect.poll(() => pidAlive(restarted), POLL).toBe(false);
    expect(await names()).not.toContain('fs__whoami');

    const other = (await whoami(client, 'fs2__whoami')).info.pid;
    await fed.app.close();
    expect(pidAlive(other)).toBe(false);
  });

  it('an upstream whose command does not exist is retried without affecting the others', async () => {
    fed = await federatedApp();
    const { names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider(
      { name: 'Missing', code: 'missing', kind: 'mcp', command: '/nonexistent/mcp-server', env: { TOKEN: 'missing-env-secret' } },
      CLI_RULES,
    );
    await addStdioProvider(fed.app);
    await expect.poll(names, POLL).toContain('fs__whoami');
    await expect.poll(() => fed.federation.status().find((s) => s.code === 'missing')?.state, POLL).toBe('down');
    expect(fed.federation.status().find((s) => s.code === 'missing')?.error).toMatch(/ENOENT/);
    expect(fed.logs.join('')).not.toContain('missing-env-secret');
  });

  it("a malformed answer to one call is that call's error: the server stays connected, listed and running", async () => {
    fed = await federatedApp();
    const { client, changes, names } = await listeningClient(fed.app);
    await addStdioProvider(fed.app, 'fs', { FIXTURE_LOG_PINGS: 'on' });
    await expect.poll(names, POLL).toContain('fs__malformed');
    const { info: before } = await whoami(client);
    const changesBefore = changes();
    const bad = await client.callTool({ name: 'fs__malformed', arguments: {} });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('fs__malformed');
    // Three health checks (every 150 ms here) answered after it, it is still the same process, still listed.
    const pingsBefore = pingsAnswered(fed, before.pid);
    await expect.poll(() => pingsAnswered(fed, before.pid), POLL).toBeGreaterThanOrEqual(pingsBefore + 3);
    expect(fed.federation.status().find((s) => s.code === 'fs')).toMatchObject({ state: 'ready', pid: before.pid, error: null });
    expect(await names()).toContain('fs__add');
    expect((await client.callTool({ name: 'fs__add', arguments: { a: 1, b: 2 } })).structuredContent).toEqual({ sum: 3 });
    expect((await whoami(client)).info.pid).toBe(before.pid);
    expect(changes()).toBe(changesBefore);
  });

  it('masks every env value of 4 characters or more wherever it appears (a "data" field too), not shorter ones', async () => {
    fed = await federatedApp();
    const { client, names } = await listeningClient(fed.app);
    await fed.app.catalog.createProvider(
      {
        name: 'Fixture',
        code: 'fs',
        kind: 'mcp',
        command: process.execPath,
        args: [STDIO_FIXTURE],
        env: { FIXTURE_SECRET: ENV_SECRET, FIXTURE_LEVEL: 'on', DEBUG: 'true' },
      },
      CLI_RULES,
    );
    await expect.poll(names, POLL).toContain('fs__echo_data');
    const result = await client.callTool({ name: 'fs__echo_data', arguments: {} });
    // Every env value is a secret (M3), but one under 4 characters is an ordinary word, never masked.
    expect(result.structuredContent).toEqual({ data: '[REDACTED]', level: 'on' });
    expect(JSON.stringify(result)).not.toContain(ENV_SECRET);
  });

  it('a server that dies soon after every start is retried with growing delays, not at the first delay forever', async () => {
    fed = await federatedApp();
    await fed.app.catalog.createProvider(
      {
        name: 'Crashy',
        code: 'crashy',
        kind: 'mcp',
        command: process.execPath,
        args: [STDIO_FIXTURE],
        env: { FIXTURE_EXIT_AFTER_MS: '300' },
      },
      CLI_RULES,
    );
    // FAST timings: 50 ms doubling to 400 ms. Reaching 200 ms takes three crashes in a row.
    await expect.poll(() => fed.logs.join('\n'), POLL).toMatch(/"crashy" is unavailable: .*retrying in 200 ms/);
  });
});
