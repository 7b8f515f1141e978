import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from './helpers/cli.js';
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
        '{"name":"X","baseUrl":"https://x.example","authenticationType":"OAUTH2"}',
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
});
