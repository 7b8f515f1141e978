import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { ImportReport } from '../src/catalog/io/import-entries.js';
import { importProviders } from '../src/catalog/io/import.js';
import { tempDir, testEnv, textOf } from './helpers/app.js';
import { runCli } from './helpers/cli.js';
import { startInProcess, type InProcessServer } from './helpers/http-server.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/**
 * A file written the way HandsAI writes its examples (its NUEVOS_HITOS.json: `defaultValue: ""` for "no
 * default", a BOOLEAN with a blank default, the provider's own `api_key` listed as an argument) imports as it
 * is and reaches agents right (issue 17): required arguments stay required, no default of the wrong type is
 * offered or sent, and the credential slot is not asked of the agent — the key is injected anyway.
 */
const FILE = JSON.parse(readFileSync(new URL('./fixtures/handsai-blank-defaults.json', import.meta.url), 'utf8')) as Array<Record<string, unknown>>;
let upstream: Upstream;
let server: InProcessServer;
let client: Client;
let report: ImportReport;
type Schema = { properties: Record<string, { default?: unknown }>; required?: string[] };
let schemas: Record<string, Schema>;

beforeAll(async () => {
  upstream = await startUpstream();
  server = await startInProcess(testEnv(tempDir()));
  const file = FILE.map((p) => ({ ...p, baseUrl: upstream.url }));
  report = await importProviders(server.app.catalog, file);
  await server.app.catalog.updateProvider('searcher', { apiKeyValue: 'search-key-0001' });
  client = new Client({ name: 'handsai', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${server.token}` } } }));
  const { tools } = await client.listTools();
  schemas = Object.fromEntries(tools.map((t) => [t.name, t.inputSchema as unknown as Schema]));
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  await upstream?.close();
});

describe('a HandsAI-style file', () => {
  it('imports as it is, saying what it changed: a default of the wrong type dropped, the key slot left out', () => {
    expect(report.tools.created.sort()).toEqual(['mailer-send', 'searcher-search']);
    expect(report.notes).toEqual([
      'tool "searcher-search": the default of parameter "max_results" (INTEGER) was dropped: "ten" is not an integer.',
      'tool "searcher-search": parameter "api_key" was left out — it is where provider "searcher" sends its API key (apiKeyName "api_key"), which toolwire fills in on every call.',
    ]);
  });

  it('keeps required arguments required and offers no blank default', () => {
    expect(schemas['mailer-send']!.required).toEqual(['to', 'subject']);
    for (const name of ['to', 'subject', 'html']) expect(schemas['mailer-send']!.properties[name]).not.toHaveProperty('default');
    expect(schemas['searcher-search']!.required).toEqual(['query']);
  });

  it('offers only defaults of the parameter type, and never the credential slot', () => {
    const props = schemas['searcher-search']!.properties;
    expect(Object.keys(props).sort()).toEqual(['_fields', 'include_images', 'max_results', 'query', 'safe', 'search_depth']);
    expect(props.search_depth!.default).toBe('basic');
    expect(props.safe!.default).toBe(true); // "TRUE" read as the boolean
    expect(props.include_images).not.toHaveProperty('default');
    expect(props.max_results).not.toHaveProperty('default');
  });

  it('sends the key in the body and only defaults that are values; a missing required argument is refused', async () => {
    const ok = await client.callTool({ name: 'searcher-search', arguments: { query: 'mcp' } });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(upstream.requests.at(-1)!.json).toEqual({ query: 'mcp', search_depth: 'basic', safe: true, api_key: 'search-key-0001' });
    const before = upstream.requests.length;
    const missing = await client.callTool({ name: 'mailer-send', arguments: { subject: 'hi' } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('to');
    expect(upstream.requests.length).toBe(before);
    const extra = await client.callTool({ name: 'searcher-search', arguments: { query: 'mcp', api_key: 'agent-guess' } });
    expect(extra.isError).toBe(true);
    expect(upstream.requests.length).toBe(before);
  });

  it('a re-import changes nothing and says the same', async () => {
    const again = await importProviders(
      server.app.catalog,
      FILE.map((p) => ({ ...p, baseUrl: upstream.url })),
    );
    expect(again.tools.unchanged.sort()).toEqual(['mailer-send', 'searcher-search']);
    expect(again.notes).toEqual(report.notes);
  });
});

describe('a default of the wrong type written directly', () => {
  it('is refused with the field named, nothing written; a blank one is no default', () => {
    const env = testEnv(tempDir());
    expect(runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'P', code: 'p', baseUrl: 'http://127.0.0.1:9' })).code).toBe(0);
    const tool = (defaultValue: string, type = 'INTEGER') =>
      JSON.stringify({ name: 'T', code: 't', providerCode: 'p', endpointPath: '/t', parameters: [{ name: 'n', type, required: true, defaultValue }] });
    const bad = runCli(['tool', 'add', '-'], env, tool('ten'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('parameters[0].defaultValue');
    expect(bad.stderr).toContain('"ten" is not an integer');
    expect(runCli(['tool', 'list', '--json'], env).stdout.trim()).toBe('[]');
    const blank = runCli(['tool', 'add', '-'], env, tool('', 'BOOLEAN'));
    expect(blank.code, blank.stderr).toBe(0);
    expect(JSON.parse(blank.stdout).parameters[0].defaultValue).toBeNull();
  });
});
