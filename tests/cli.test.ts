import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { Client as V2Client } from '@modelcontextprotocol/client';
import { StdioClientTransport as V2StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, runCli, runCliAsync } from './helpers/cli.js';
import { tempDir, testEnv } from './helpers/app.js';
import { echo, startUpstream, type Upstream } from './helpers/upstream.js';

/** The built CLI, end to end, as a user runs it. Each test has its own database (no test relies on another). */
let upstream: Upstream;
const SECRET = 'ghp_cli_canary_93ab';

beforeAll(async () => {
  upstream = await startUpstream();
});
afterEach(() => upstream.handle(echo));
afterAll(() => upstream.close());

/** A fresh directory and database, and a helper writing files into that directory. */
function fresh() {
  const dir = tempDir();
  const env = testEnv(dir);
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  return { dir, env, file };
}

/** The provider "echo" (the recording upstream under /v1, a bearer secret), added through the CLI. */
function addEchoProvider(env: Record<string, string>) {
  const echoProvider = {
    name: 'Echo',
    code: 'echo',
    baseUrl: `${upstream.url}/v1`,
    authenticationType: 'BEARER_TOKEN',
    apiKeyValue: SECRET,
    customHeaders: { 'X-Trace': 'trace-secret-value' },
  };
  const add = runCli(['provider', 'add', '-'], env, JSON.stringify(echoProvider));
  expect(add.code, add.stderr).toBe(0);
  return add;
}

function state(env: Record<string, string>) {
  return runCli(['provider', 'list', '--json'], env).stdout + runCli(['tool', 'list', '--json'], env).stdout;
}

describe('provider and tool commands', () => {
  it('adds, lists, shows and updates a provider without ever printing its secret', () => {
    const { env } = fresh();
    const add = addEchoProvider(env);
    expect(add.stderr).toContain('Provider "echo" created');
    const shown = JSON.parse(runCli(['provider', 'show', 'echo', '--json'], env).stdout);
    expect(shown.code).toBe('echo');
    expect(shown.apiKeyValue).toBeUndefined();
    expect(shown.customHeaders).toEqual({ 'X-Trace': 'generic_text' });
    const list = runCli(['provider', 'list'], env);
    expect(list.stdout).toMatch(/echo\s+Echo\s+BEARER_TOKEN/);
    const update = runCli(['provider', 'update', 'echo', '-'], env, JSON.stringify({ name: 'Echo API' }));
    expect(update.code).toBe(0);
    expect(JSON.parse(update.stdout).name).toBe('Echo API');
    for (const out of [add, list, update]) expect(out.stdout + out.stderr).not.toContain(SECRET);
  });

  it('adds a tool from a file and calls it exactly as an agent would', async () => {
    const { env, file } = fresh();
    addEchoProvider(env);
    const toolFile = file('tool.json', {
      name: 'Get item',
      code: 'echo-item',
      providerCode: 'echo',
      endpointPath: '/items/{id}',
      httpMethod: 'GET',
      parameters: [{ name: 'id', type: 'INTEGER', required: true }],
    });
    expect(runCli(['tool', 'add', toolFile], env).code).toBe(0);
    expect(runCli(['tool', 'list', '--provider', 'echo'], env).stdout).toMatch(/echo-item\s+echo\s+GET\s+\/items\/\{id\}/);
    const call = await runCliAsync(['tool', 'call', 'echo-item', '{"id": 42}'], env);
    expect(call.code, call.stderr).toBe(0);
    const result = JSON.parse(call.stdout);
    expect(result.structuredContent.path).toBe('/v1/items/42');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(call.stdout).not.toContain(SECRET);
    const bad = await runCliAsync(['tool', 'call', 'echo-item', '{"id": "x"}'], env);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).isError).toBe(true);
  });

  it('refuses bad input with one paragraph, no stack trace, exit 1, and the database unchanged', () => {
    const { dir, env, file } = fresh();
    addEchoProvider(env); // so that a duplicate code and a tool of an existing provider can be refused
    const before = state(env);
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [['provider', 'add', file('bad.json', '{"name": ')], undefined, /is not valid JSON/],
      [
        ['provider', 'add', '-'],
        '{"name":"X","baseUrl":"https://x.example","authenticationType":"OAUTH1"}',
        /authenticationType must be one of NONE, API_KEY, BEARER_TOKEN, BASIC_AUTH/,
      ],
      [['provider', 'add', '-'], '{"name":"X"}', /baseUrl is required/],
      [['provider', 'add', '-'], '{"name":"X","baseUrl":"file:///etc/passwd"}', /baseUrl must be an absolute http\(s\) URL/],
      [['provider', 'add', '-'], JSON.stringify({ name: 'Dup', code: 'echo', baseUrl: 'https://x.example' }), /A provider with code "echo" already exists/],
      [['tool', 'add', '-'], '{"name":"T","providerCode":"ghost","endpointPath":"/x"}', /providerCode names provider with code "ghost", which does not exist/],
      [['tool', 'add', '-'], '{"name":"T","code":"has space","providerCode":"echo","endpointPath":"/x"}', /code must be 1–64 characters of letters, digits/],
      [['provider', 'add', join(dir, 'missing.json')], undefined, /Cannot read .*missing.json: no such file/],
      [['provider', 'show', 'ghost'], undefined, /No provider with code "ghost"/],
    ];
    for (const [args, input, message] of cases) {
      const out = runCli(args, env, input);
      expect(out.code, args.join(' ')).toBe(1);
      expect(out.stderr).toMatch(message);
      expect(out.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(state(env)).toBe(before);
  });

  it('exits 2 on a usage error', () => {
    const { env } = fresh();
    const out = runCli(['frobnicate'], env);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('import and export', () => {
  it('imports the HandsAI export file and exports placeholders', () => {
    const { dir, env: importEnv } = fresh();
    const example = new URL('./fixtures/handsai-export-example.json', import.meta.url).pathname;
    const out = runCli(['import', example], importEnv);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('Imported 2 provider(s) (2 new, 0 updated) and 2 tool(s)');
    runCli(['provider', 'update', 'github', '-'], importEnv, JSON.stringify({ apiKeyValue: SECRET }));
    const outFile = join(dir, 'export.json');
    expect(runCli(['export', '--out', outFile, '--provider', 'github'], importEnv).code).toBe(0);
    const exported = readFileSync(outFile, 'utf8');
    expect(exported).not.toContain(SECRET);
    expect(JSON.parse(exported)[0].apiKeyValue).toBe('<YOUR_API_KEY>');
    expect(JSON.parse(exported)[0].customHeaders['X-GitHub-Api-Version']).toBe('2022-11-28');
  });
});

describe('provider test', () => {
  it('fetches a token and prints a masked preview, its lifetime and where it goes; says which step failed otherwise', async () => {
    const tokenEnv = testEnv(tempDir());
    const token = 'eyJhbGciOiJub25lIn0.session-token-value-1234';
    upstream.handle((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accessJwt: token, expires_in: 120 })));
    runCli(
      ['provider', 'add', '-'],
      tokenEnv,
      JSON.stringify({
        name: 'Sky',
        code: 'sky',
        baseUrl: upstream.url,
        authenticationType: 'BEARER_TOKEN',
        isDynamicAuth: true,
        dynamicAuthUrl: `${upstream.url}/session`,
        dynamicAuthPayload: '{"identifier":"me","password":"pw-canary-77"}',
        dynamicAuthTokenExtractionPath: 'accessJwt',
      }),
    );
    const ok = await runCliAsync(['provider', 'test', 'sky'], tokenEnv);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Lifetime: 120 s (from expires_in)');
    expect(ok.stdout).toContain('Authorization: Bearer');
    expect(ok.stdout).not.toContain(token);
    expect(ok.stdout).toContain(token.slice(0, 4));
    runCli(['provider', 'update', 'sky', '-'], tokenEnv, JSON.stringify({ dynamicAuthTokenExtractionPath: '$.nothing.here' }));
    const failed = await runCliAsync(['provider', 'test', 'sky'], tokenEnv);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/step "extract"/);
    expect(failed.stderr).toContain('$.nothing.here');
    expect(failed.stderr + failed.stdout).not.toContain('pw-canary-77');
    upstream.handle(echo);
  });
});

describe('TOOLWIRE_TOKEN_TTL_S', () => {
  it('is the lifetime of a token whose answer gives none', async () => {
    const tokenEnv = { ...testEnv(tempDir()), TOOLWIRE_TOKEN_TTL_S: '42' };
    upstream.handle((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'opaque-session-token-5678' })));
    runCli(
      ['provider', 'add', '-'],
      tokenEnv,
      JSON.stringify({
        name: 'Opaque',
        code: 'opaque',
        baseUrl: upstream.url,
        authenticationType: 'BEARER_TOKEN',
        isDynamicAuth: true,
        dynamicAuthUrl: `${upstream.url}/session`,
        dynamicAuthPayload: '{"user":"me"}',
        dynamicAuthTokenExtractionPath: 'token',
      }),
    );
    const ok = await runCliAsync(['provider', 'test', 'opaque'], tokenEnv);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Lifetime: 42 s (from default)');
    upstream.handle(echo);
  });
});

/** `${name}` as a client config writes it (the client fills it in). */
const v = (name: string) => `\${${name}}`;

describe('config snippets', () => {
  it('prints a Claude Desktop entry that runs this install by absolute path', () => {
    const { env } = fresh();
    const snippet = JSON.parse(runCli(['config', 'claude'], env).stdout);
    const entry = snippet.mcpServers.toolwire;
    expect(entry.args[0]).toMatch(/\/dist\/cli\.js$/);
    expect(entry.args[1]).toBe('serve');
    expect(entry.env.TOOLWIRE_DB).toBe(env.TOOLWIRE_DB);
    expect(JSON.parse(runCli(['config', 'vscode'], env).stdout).servers.toolwire.type).toBe('stdio');
    expect(JSON.parse(runCli(['config', 'cursor'], env).stdout).mcpServers.toolwire.args).toEqual(entry.args);
  });

  it('with the key from TOOLWIRE_SECRET_KEY, each entry carries it (with a warning) and starts a server that serves, writing no key file', async () => {
    const { env, file } = fresh();
    addEchoProvider(env); // a sealed secret: the server must open it with the same key
    const toolFile = file('tool.json', { name: 'Ping', code: 'ping', providerCode: 'echo', endpointPath: '/ping', httpMethod: 'GET' });
    expect(runCli(['tool', 'add', toolFile], env).code).toBe(0);
    for (const kind of ['claude', 'vscode', 'cursor']) {
      const out = runCli(['config', kind], env);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toMatch(/holds the master key \(TOOLWIRE_SECRET_KEY/);
      const snippet = JSON.parse(out.stdout);
      const entry = kind === 'vscode' ? snippet.servers.toolwire : snippet.mcpServers.toolwire;
      // As the client starts it: the entry's command, args and env, nothing of this shell's environment.
      const client = new V2Client({ name: `paste-${kind}`, version: '1' });
      await client.connect(new V2StdioClientTransport({ command: entry.command, args: entry.args, env: entry.env, stderr: 'pipe' }));
      try {
        expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['ping', 'toolwire_read_more']);
        const called = await client.callTool({ name: 'ping', arguments: {} });
        expect(called.isError, JSON.stringify(called)).toBeFalsy();
      } finally {
        await client.close();
      }
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    }
    expect(existsSync(`${env.TOOLWIRE_DB}.key`)).toBe(false);
  });

  it('a database holding sealed secrets never gets a new key file, even one from before the key check', () => {
    const { env } = fresh();
    addEchoProvider(env);
    // A database written before key_check existed: sealed values, no check row.
    const dbPath = env.TOOLWIRE_DB as string;
    const db = new BetterSqlite3(dbPath);
    db.prepare("DELETE FROM meta WHERE key = 'key_check'").run();
    db.close();
    const withoutKey = { TOOLWIRE_DB: dbPath, TOOLWIRE_LOG_LEVEL: 'silent' };
    for (const args of [['tool', 'list'], ['serve']]) {
      const run = runCli(args, withoutKey);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(/already holds secrets sealed with a master key.*TOOLWIRE_SECRET_KEY.*Nothing was written/s);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(`${env.TOOLWIRE_DB}.key`)).toBe(false);
    }
    expect(runCli(['provider', 'show', 'echo', '--json'], env).code).toBe(0); // the right key still opens it
  });

  it('config http prints the form each client documents, for the port serve --http really uses', async () => {
    const { env } = fresh();
    const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0'], { env: { ...env, PATH: process.env.PATH ?? '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/Client config:[\s\S]*\}\n/);
      const mcpUrl = /MCP URL:\s+(\S+)/.exec(out)?.[1];
      const hint = /Other clients: toolwire config http --port (\d+)/.exec(out);
      expect(mcpUrl).toBe(`http://127.0.0.1:${hint?.[1]}/mcp`);
      expect(JSON.parse(out.slice(out.indexOf('{'))).mcpServers.toolwire.url).toBe(mcpUrl); // the serve output scripts parse
      const port = hint?.[1] as string;

      const all = runCli(['config', 'http', '--port', port], env);
      expect(all.code, all.stderr).toBe(0);
      // stdout: Claude Code's .mcp.json entry, the shape `config http` always printed.
      expect(JSON.parse(all.stdout)).toEqual({
        mcpServers: { toolwire: { type: 'http', url: mcpUrl, headers: { Authorization: `Bearer ${v('TOOLWIRE_TOKEN')}` } } },
      });
      expect(all.stderr).toContain(`claude mcp add --transport http toolwire ${mcpUrl} --header "Authorization: Bearer $TOOLWIRE_TOKEN"`);
      expect(all.stderr).toMatch(/VS Code.*"servers":\{"toolwire":\{"type":"http"/);
      expect(all.stderr).toContain(v('env:TOOLWIRE_TOKEN'));
      expect(all.stderr).toMatch(/Claude Desktop.*mcp-remote/);
      expect(all.stderr).toMatch(/Connectors/);

      expect(runCli(['config', 'http', 'claude-code', '--port', port], env).stdout).toBe(
        `claude mcp add --transport http toolwire ${mcpUrl} --header "Authorization: Bearer $TOOLWIRE_TOKEN"\n`,
      );
      expect(JSON.parse(runCli(['config', 'http', 'vscode', '--port', port], env).stdout)).toEqual({
        inputs: [{ type: 'promptString', id: 'toolwire-token', description: 'toolwire bearer token', password: true }],
        servers: { toolwire: { type: 'http', url: mcpUrl, headers: { Authorization: `Bearer ${v('input:toolwire-token')}` } } },
      });
      expect(JSON.parse(runCli(['config', 'http', 'cursor', '--port', port], env).stdout)).toEqual({
        mcpServers: { toolwire: { url: mcpUrl, headers: { Authorization: `Bearer ${v('env:TOOLWIRE_TOKEN')}` } } },
      });
      const desktop = JSON.parse(runCli(['config', 'http', 'claude-desktop', '--port', port], env).stdout).mcpServers.toolwire;
      expect(desktop).toMatchObject({ command: 'npx', args: ['-y', 'mcp-remote', mcpUrl, '--header', `Authorization:${v('TOOLWIRE_AUTH_HEADER')}`] });
      expect(
        JSON.parse(runCli(['config', 'http', '--port', port], { ...env, TOOLWIRE_PUBLIC_URL: 'https://tools.example.com' }).stdout).mcpServers.toolwire.url,
      ).toBe('https://tools.example.com/mcp');
      expect(runCli(['config', 'http', 'nope'], env).code).toBe(2);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });
});

describe('what a failed call says', () => {
  it('names the full path of a missing or wrong field inside an object or an array argument', async () => {
    const { env, file } = fresh();
    addEchoProvider(env);
    const item = { type: 'object', properties: { name: { type: 'string' }, size: { type: 'integer' } }, required: ['name'] };
    const toolFile = file('tool.json', {
      name: 'Put items',
      code: 'put-items',
      providerCode: 'echo',
      endpointPath: '/items',
      httpMethod: 'POST',
      parameters: [
        { name: 'item', type: 'OBJECT', schema: item },
        { name: 'items', type: 'ARRAY', schema: { type: 'array', items: item } },
      ],
    });
    expect(runCli(['tool', 'add', toolFile], env).code).toBe(0);
    const before = upstream.requests.length;
    const args = { item: { size: 1 }, items: [{ name: 'a' }, { name: 'b' }, { size: 'big' }] };
    const call = await runCliAsync(['tool', 'call', 'put-items', JSON.stringify(args)], env);
    expect(call.code).toBe(1);
    const text = JSON.parse(call.stdout).content[0].text;
    expect(text).toContain('missing required argument "item.name"');
    expect(text).toContain('missing required argument "items[2].name"');
    expect(text).toContain('argument "items[2].size" must be of type integer');
    expect(upstream.requests.length).toBe(before); // nothing was sent
  });

  it('names the path the failed request went to, never the query or its API key', async () => {
    const { env, file } = fresh();
    const key = 'qk_canary_5510aa';
    const provider = {
      name: 'Q',
      code: 'q',
      baseUrl: `${upstream.url}/api`,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'QUERY_PARAMETER',
      apiKeyName: 'api_key',
      apiKeyValue: key,
    };
    expect(runCli(['provider', 'add', '-'], env, JSON.stringify(provider)).code).toBe(0);
    const tool = {
      name: 'Fail',
      code: 'fail',
      providerCode: 'q',
      endpointPath: '/fail/{id}',
      httpMethod: 'GET',
      parameters: [
        { name: 'id', type: 'STRING', required: true },
        { name: 'q', type: 'STRING' },
      ],
    };
    expect(runCli(['tool', 'add', file('tool.json', tool)], env).code).toBe(0);
    upstream.handle((_req, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal trouble'));
    const call = await runCliAsync(['tool', 'call', 'fail', '{"id": "7", "q": "term"}'], env);
    expect(call.code).toBe(1);
    const text = JSON.parse(call.stdout).content[0].text;
    expect(upstream.requests.at(-1)!.url).toBe(`/api/fail/7?q=term&api_key=${key}`);
    expect(text).toMatch(/^The API answered 500 Internal Server Error to GET \/api\/fail\/7\.\ninternal trouble/);
    expect(call.stdout).not.toContain(key);
    expect(call.stdout).not.toContain('api_key');
  });
});
