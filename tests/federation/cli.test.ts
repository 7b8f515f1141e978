import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { runCliAsync } from '../helpers/cli.js';
import { tempDir, testEnv, textOf } from '../helpers/app.js';
import { startServer } from '../helpers/http-server.js';
import { pidAlive, POLL, STDIO_FIXTURE } from './harness.js';
import { startMcpUpstream, type McpUpstream } from './upstream-mcp.js';

/** The built CLI: provider flags, import, `tool call` and `serve --http` with real upstream MCP servers. */
const API_KEY = 'cli-upstream-key-0c9d8e';
const ENV_SECRET = 'cli-env-secret-61fa2b';
const dir = tempDir();
const env = testEnv(dir);
const marks = join(dir, 'stdio-pids');
let upstream: McpUpstream;

const startedPids = () => (existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n').map(Number) : []);

beforeAll(async () => {
  upstream = await startMcpUpstream([API_KEY]);
});
afterAll(() => upstream.stop());

describe('toolwire CLI with upstream MCP servers', () => {
  it('adds them with flags (secrets never printed) and lists them without starting any', async () => {
    const gh = await runCliAsync(['provider', 'add', '--kind', 'mcp', '--code', 'gh', '--url', upstream.url, '--api-key', API_KEY], env);
    expect(gh.code, gh.stderr).toBe(0);
    expect(JSON.parse(gh.stdout)).toMatchObject({ code: 'gh', name: 'gh', kind: 'mcp', url: upstream.url, protocol: 'streamable_http' });
    const fs = await runCliAsync(
      [
        'provider',
        'add',
        '--kind',
        'mcp',
        '--code',
        'fs',
        '--name',
        'Fixture',
        '--command',
        process.execPath,
        '--arg',
        STDIO_FIXTURE,
        '--env',
        `FIXTURE_SECRET=${ENV_SECRET}`,
        '--env',
        `FIXTURE_MARK=${marks}`,
      ],
      env,
    );
    expect(fs.code, fs.stderr).toBe(0);
    expect(JSON.parse(fs.stdout)).toMatchObject({ code: 'fs', kind: 'mcp', protocol: 'stdio', command: process.execPath, args: [STDIO_FIXTURE] });
    const bad = await runCliAsync(['provider', 'add', '--kind', 'mcp', '--code', 'bad', '--env', 'NOVALUE'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--env takes NAME=VALUE/);

    const list = await runCliAsync(['provider', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/gh .*http:\/\/127\.0\.0\.1/);
    const show = await runCliAsync(['provider', 'show', 'fs', '--json'], env);
    for (const out of [gh.stdout, gh.stderr, fs.stdout, fs.stderr, list.stdout, show.stdout]) {
      expect(out).not.toContain(API_KEY);
      expect(out).not.toContain(ENV_SECRET);
    }
    expect(startedPids()).toEqual([]); // no command but serve (and tool call) starts an upstream
  });

  it('imports a kind mcp provider through the catalog, and exports it with its secret as a placeholder', async () => {
    const file = join(dir, 'import.json');
    writeFileSync(
      file,
      JSON.stringify([{ name: 'Imported', code: 'imp', kind: 'mcp', url: upstream.url, protocol: 'sse', apiKeyValue: 'imported-key-77aa', tools: [] }]),
    );
    const imported = await runCliAsync(['import', file], env);
    expect(imported.code, imported.stderr).toBe(0);
    const show = JSON.parse((await runCliAsync(['provider', 'show', 'imp', '--json'], env)).stdout);
    expect(show).toMatchObject({ code: 'imp', kind: 'mcp', url: upstream.url, protocol: 'sse' });
    const exported = await runCliAsync(['export', '--provider', 'imp'], env);
    expect(exported.stdout).toContain('<YOUR_API_KEY>');
    expect(exported.stdout).not.toContain('imported-key-77aa');
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify([{ name: 'Broken', code: 'broken', kind: 'mcp', tools: [] }]));
    const refused = await runCliAsync(['import', invalid], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/url/);
    expect((await runCliAsync(['provider', 'remove', 'imp'], env)).code).toBe(0);
  });

  it('tool call reaches an upstream tool and stops the stdio server afterwards', async () => {
    const sum = await runCliAsync(['tool', 'call', 'fs__add', '{"a":1,"b":2}'], env);
    expect(sum.code, sum.stderr).toBe(0);
    expect(JSON.parse(sum.stdout).structuredContent).toEqual({ sum: 3 });
    const [pid] = startedPids();
    expect(pid).toBeTypeOf('number');
    expect(pidAlive(pid!)).toBe(false);
    const product = await runCliAsync(['tool', 'call', 'gh__multiply', '{"x":3,"y":4}'], env);
    expect(JSON.parse(product.stdout).structuredContent).toEqual({ product: 12 });
  });

  it('serve --http re-exports both upstreams to an MCP client, masks their secrets, and stops the stdio server on SIGTERM', async () => {
    const server = await startServer([], { ...env, TOOLWIRE_TOKEN: 'client-token-for-e2e-0123456789abcdef', TOOLWIRE_LOG_LEVEL: 'debug' });
    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: 'Bearer client-token-for-e2e-0123456789abcdef' } } }),
    );
    try {
      await expect
        .poll(async () => (await client.listTools()).tools.map((t) => t.name), POLL)
        .toEqual(expect.arrayContaining(['gh__echo_auth', 'gh__multiply', 'fs__whoami', 'fs__add']));
      const echoed = await client.callTool({ name: 'gh__echo_auth', arguments: {} });
      expect(textOf(echoed)).toContain('Bearer [REDACTED]');
      expect(upstream.authorizations.at(-1)).toBe(`Bearer ${API_KEY}`);
      const who = JSON.parse(textOf(await client.callTool({ name: 'fs__whoami', arguments: {} }))) as { pid: number; secret: string };
      expect(who.secret).toBe('[REDACTED]');
      expect(pidAlive(who.pid)).toBe(true);

      await client.close();
      expect(await server.stop('SIGTERM')).toBe(0);
      await expect.poll(() => pidAlive(who.pid), POLL).toBe(false);
      const output = server.stdout() + server.stderr();
      expect(output).toMatch(/upstream MCP server "fs" connected/);
      expect(output).not.toContain(API_KEY);
      expect(output).not.toContain(ENV_SECRET);
    } finally {
      await server.stop('SIGKILL');
    }
  });
});
