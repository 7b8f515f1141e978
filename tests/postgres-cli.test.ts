import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { runCli, runCliAsync, type CliResult } from './helpers/cli.js';
import { TEST_KEY, tempDir } from './helpers/app.js';
import { startServer, type RunningServer } from './helpers/http-server.js';
import { admin, freshDatabase, withDatabase } from './helpers/postgres.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/**
 * The CLI on TOOLWIRE_DB=postgres:// (SPEC §13): the everyday commands, `serve --http` answering real MCP
 * clients of both revisions, and the messages when the database cannot be opened. The URL's password (the
 * test server's) must never appear in any output.
 */

const url = await freshDatabase();
const importUrl = await freshDatabase();
const newerUrl = await freshDatabase();
const PASSWORD = decodeURIComponent(new URL(url).password);
const API_KEY = 'sk-pg-cli-5a4b3c2d1e';
const TOKEN = `tw_${'p'.repeat(40)}`;
const env = { TOOLWIRE_DB: url, TOOLWIRE_SECRET_KEY: TEST_KEY, TOOLWIRE_LOG_LEVEL: 'silent' };

let upstream: Upstream;
/** The token `client add agent` printed: an identity kept in PostgreSQL, accepted by serve --http. */
let agentToken = '';
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream?.close());

function ok(result: CliResult): CliResult {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  return result;
}

/** A failure: non-zero, one paragraph, no stack trace, no password. */
function failed(result: CliResult): string {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stderr).not.toContain(PASSWORD);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  return result.stderr;
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the CLI on PostgreSQL', () => {
  it('adds and lists providers and tools, and calls a tool that reaches the API with its key', async () => {
    ok(
      runCli(
        ['provider', 'add', '-'],
        env,
        JSON.stringify({ name: 'Echo', code: 'echo', baseUrl: `${upstream.url}/v1`, authenticationType: 'BEARER_TOKEN', apiKeyValue: API_KEY }),
      ),
    );
    expect(ok(runCli(['provider', 'list'], env)).stdout).toMatch(/echo\s+Echo\s+BEARER_TOKEN/);
    ok(
      runCli(
        ['tool', 'add', '-'],
        env,
        JSON.stringify({
          name: 'Get item',
          code: 'echo-item',
          providerCode: 'echo',
          endpointPath: '/items/{id}',
          parameters: [{ name: 'id', type: 'INTEGER', required: true }],
        }),
      ),
    );
    expect(ok(runCli(['tool', 'list'], env)).stdout).toMatch(/echo-item\s+echo\s+GET/);
    const call = ok(await runCliAsync(['tool', 'call', 'echo-item', '{"id": 5}'], env));
    expect(JSON.parse(call.stdout).structuredContent.path).toBe('/v1/items/5');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(call.stdout).not.toContain(API_KEY);
  });

  it('exports and imports between two PostgreSQL databases, and adds a client', () => {
    const out = join(tempDir(), 'export.json');
    ok(runCli(['export', '--out', out], env));
    const importEnv = { ...env, TOOLWIRE_DB: importUrl };
    ok(runCli(['import', out], importEnv));
    expect(ok(runCli(['tool', 'list'], importEnv)).stdout).toMatch(/echo-item\s+echo\s+GET/);
    const added = ok(runCli(['client', 'add', 'agent', '--provider', 'echo'], env));
    expect(added.stdout).toMatch(/^twc_[A-Za-z0-9_-]{20,}\n$/);
    agentToken = added.stdout.trim();
    expect(ok(runCli(['client', 'list'], env)).stdout).toContain('agent');
  });

  describe('serve --http', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer([], { ...env, TOOLWIRE_TOKEN: TOKEN });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it.each([
      ['2025-11-25', 'legacy' as const],
      ['2026-07-28', { pin: '2026-07-28' }],
    ])('answers a %s MCP client with a tool call', async (_revision, mode) => {
      const client = new Client({ name: 'pg-test', version: '1' }, { versionNegotiation: { mode } });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('echo-item');
        const result = await client.callTool({ name: 'echo-item', arguments: { id: 9 } });
        expect(result.isError).toBeFalsy();
        expect((result.structuredContent as { path: string }).path).toBe('/v1/items/9');
        expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);
      } finally {
        await client.close();
      }
      expect(server.stdout() + server.stderr()).not.toContain(PASSWORD);
    });

    it("accepts a client identity's token, with that client's scope", async () => {
      const client = new Client({ name: 'agent', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${agentToken}` } } }));
      try {
        const result = await client.callTool({ name: 'echo-item', arguments: { id: 3 } });
        expect((result.structuredContent as { path: string }).path).toBe('/v1/items/3');
      } finally {
        await client.close();
      }
    });

    it('starts with --no-auth on loopback without TOOLWIRE_TOKEN: /admin gets a token for this process alone', async () => {
      const open = await startServer(['--no-auth'], env);
      try {
        expect(open.stdout()).toContain('(this process only: /admin needs it; set TOOLWIRE_TOKEN to keep one)');
        const client = new Client({ name: 'open', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
        await client.connect(new StreamableHTTPClientTransport(new URL(open.url)));
        expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo-item');
        await client.close();
      } finally {
        await open.stop();
      }
    });

    it('refuses to start without TOOLWIRE_TOKEN (no token file beside a URL)', () => {
      const message = failed(runCli(['serve', '--http', '--port', '0'], env));
      expect(message).toContain('TOOLWIRE_TOKEN is required for `serve --http` with PostgreSQL');
    });
  });

  it('prints a client-config entry without the database password', () => {
    const run = ok(runCli(['config', 'claude'], env));
    const entry = JSON.parse(run.stdout).mcpServers.toolwire.env;
    expect(entry.TOOLWIRE_DB).toBe(url.replace(`:${encodeURIComponent(PASSWORD)}@`, '@'));
    expect(entry.PGPASSWORD).toBe('<the database password>');
    expect(run.stderr).toContain('The database password is not printed');
  });

  describe('when the database cannot be opened', () => {
    it('requires TOOLWIRE_SECRET_KEY', () => {
      const message = failed(runCli(['provider', 'list'], { TOOLWIRE_DB: url }));
      expect(message).toContain('TOOLWIRE_SECRET_KEY is required with PostgreSQL (postgres://postgres:***@');
    });

    it('refuses a wrong key', () => {
      const message = failed(runCli(['provider', 'list'], { ...env, TOOLWIRE_SECRET_KEY: 'b'.repeat(64) }));
      expect(message).toMatch(
        /The master key does not open the database postgres:\/\/postgres:\*\*\*@.* Set TOOLWIRE_SECRET_KEY to the key the other instances use/,
      );
    });

    it('says an unreachable database is unreachable', async () => {
      const port = await closedPort();
      const down = `postgres://postgres:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/toolwire`;
      const message = failed(runCli(['provider', 'list'], { ...env, TOOLWIRE_DB: down }));
      expect(message).toContain(`Could not reach PostgreSQL at postgres://postgres:***@127.0.0.1:${port}/toolwire`);
      expect(message).toContain('is PostgreSQL running and is the URL right?');
    });

    it('refuses a database a newer toolwire migrated', async () => {
      const newerEnv = { ...env, TOOLWIRE_DB: newerUrl };
      ok(runCli(['provider', 'list'], newerEnv));
      await admin(newerUrl, "INSERT INTO schema_version (version, applied_at) VALUES (999, '2030-01-01T00:00:00Z')");
      const message = failed(runCli(['provider', 'list'], newerEnv));
      expect(message).toMatch(/The PostgreSQL database is at schema version 999, newer than this toolwire knows \(\d+\)/);
    });

    it('says a refused login and a missing database apart', () => {
      const wrong = new URL(url);
      wrong.password = 'not-the-password';
      const login = failed(runCli(['provider', 'list'], { ...env, TOOLWIRE_DB: wrong.toString() }));
      expect(login).toContain('refused the login');
      expect(login).not.toContain('not-the-password');
      const missing = failed(runCli(['provider', 'list'], { ...env, TOOLWIRE_DB: withDatabase(url, 'no_such_db') }));
      expect(missing).toMatch(/The database named in postgres:\/\/postgres:\*\*\*@.*\/no_such_db does not exist/);
    });
  });

  it('rotates the master key: no key file to write, the new key set on every instance, then finish', async () => {
    const NEW_KEY = 'c'.repeat(64);
    const rotate = ok(runCli(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: NEW_KEY }));
    expect(rotate.stdout).toMatch(/Re-encrypted [1-9]\d* secret value\(s\)/);
    expect(rotate.stderr).toContain('PostgreSQL keeps no key file: set TOOLWIRE_SECRET_KEY to the new key');
    expect(rotate.stderr).toContain('on EVERY instance');
    const newEnv = { ...env, TOOLWIRE_SECRET_KEY: NEW_KEY };
    ok(runCli(['key', 'finish'], newEnv));
    const call = ok(await runCliAsync(['tool', 'call', 'echo-item', '{"id": 11}'], newEnv));
    expect(JSON.parse(call.stdout).structuredContent.path).toBe('/v1/items/11');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(failed(runCli(['provider', 'list'], env))).toContain('The master key does not open the database');
  });
});
