import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { importOpenApi } from '../src/io/openapi-import.js';
import { connect, makeApp, tempDir, testEnv, textOf } from './helpers/app.js';
import { runCliAsync } from './helpers/cli.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/** OpenAPI documents imported end to end: CLI, database, registry, and calls that reach a real API. */
let upstream: Upstream;

function doc(version: string, extraPaths: Record<string, unknown> = {}) {
  return {
    openapi: '3.0.3',
    info: { title: 'Notes API', version },
    servers: [{ url: `${upstream.url}/{stage}`, variables: { stage: { default: 'v1' } } }],
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Note: { type: 'object', properties: { id: { type: 'integer' }, text: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } },
      },
    },
    security: [{ token: [] }],
    paths: {
      '/notes/{noteId}': {
        get: {
          operationId: 'getNote',
          summary: 'Get a note',
          parameters: [
            { name: 'noteId', in: 'path', required: true, schema: { type: 'integer' } },
            { name: 'fields', in: 'query', schema: { type: 'array', items: { type: 'string' } } },
            { name: 'X-Request-Id', in: 'header', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Note' } } } } },
        },
      },
      '/notes': {
        post: {
          operationId: 'createNote',
          summary: 'Create a note',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' }, meta: { type: 'object', properties: { pinned: { type: 'boolean' }, color: { type: 'string', enum: ['red', 'blue'] } } } } } } },
          },
          responses: { '201': { description: 'created' } },
        },
      },
      ...extraPaths,
    },
  };
}

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.method === 'GET') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 7, text: 'hello', tags: ['a'] }));
    else res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 8, received: req.json }));
  });
});
afterAll(() => upstream.close());

describe('toolwire import SPEC (CLI)', () => {
  it('imports a YAML document into tools that reach the API with each parameter in its real place', async () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const file = join(dir, 'notes.yaml');
    writeFileSync(file, stringify(doc('1')));
    const out = await runCliAsync(['import', file, '--provider', 'notes'], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('Imported provider "notes" (new): 2 tool(s) added');
    expect(out.stderr).toContain('Credentials to fill: apiKeyValue');
    await runCliAsync(['provider', 'update', 'notes', '-'], env, JSON.stringify({ apiKeyValue: 'notes-token-1' }));

    const get = JSON.parse((await runCliAsync(['tool', 'call', 'getNote', JSON.stringify({ noteId: 7, fields: ['text', 'tags'], 'X-Request-Id': 'r-1' })], env)).stdout);
    expect(get.isError).toBeFalsy();
    expect(get.structuredContent).toEqual({ id: 7, text: 'hello', tags: ['a'] });
    const seen = upstream.requests.at(-1)!;
    expect(seen.path).toBe('/v1/notes/7');
    expect(seen.query.getAll('fields')).toEqual(['text', 'tags']);
    expect(seen.headers['x-request-id']).toBe('r-1');
    expect(seen.headers.authorization).toBe('Bearer notes-token-1');

    const post = await runCliAsync(['tool', 'call', 'createNote', JSON.stringify({ text: 'hi', meta: { pinned: true, color: 'red' } })], env);
    expect(post.code, post.stdout).toBe(0);
    expect(upstream.requests.at(-1)!.json).toEqual({ text: 'hi', meta: { pinned: true, color: 'red' } });
    const bad = await runCliAsync(['tool', 'call', 'createNote', JSON.stringify({ text: 'hi', meta: { color: 'green' } })], env);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).content[0].text).toMatch(/meta\.color" must be one of \["red","blue"\]/);
  });

  it('re-imports a newer document in place: reports added, changed, unchanged; removes only with --prune; --dry-run writes nothing', async () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const v1 = join(dir, 'v1.json');
    writeFileSync(v1, JSON.stringify(doc('1')));
    await runCliAsync(['import', v1, '--provider', 'notes'], env);
    const v2doc = doc('2', { '/health': { get: { operationId: 'health', summary: 'Health', responses: { '200': { description: 'ok' } } } } }) as ReturnType<typeof doc>;
    (v2doc.paths['/notes/{noteId}'] as { get: { summary: string } }).get.summary = 'Fetch a note';
    delete (v2doc.paths as Record<string, unknown>)['/notes'];
    (v2doc.paths as Record<string, unknown>)['/trace'] = { trace: { operationId: 'traceIt', responses: { '200': { description: 'ok' } } } };
    const v2 = join(dir, 'v2.json');
    writeFileSync(v2, JSON.stringify(v2doc));

    const dry = await runCliAsync(['import', v2, '--provider', 'notes', '--dry-run', '--prune', '--json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    const dryReport = JSON.parse(dry.stdout);
    expect(dryReport).toMatchObject({ added: ['health'], changed: ['getNote'], removed: ['createNote'], dryRun: true });
    expect(dryReport.skipped).toEqual([{ operation: 'TRACE /trace', reason: expect.stringMatching(/TRACE/) }]);
    expect(JSON.parse((await runCliAsync(['tool', 'list', '--json'], env)).stdout).map((t: { code: string }) => t.code).sort()).toEqual(['createNote', 'getNote']);

    const kept = JSON.parse((await runCliAsync(['import', v2, '--provider', 'notes', '--json'], env)).stdout);
    expect(kept).toMatchObject({ added: ['health'], changed: ['getNote'], removed: [] });
    const again = JSON.parse((await runCliAsync(['import', v2, '--provider', 'notes', '--prune', '--json'], env)).stdout);
    expect(again).toMatchObject({ added: [], changed: [], unchanged: ['getNote', 'health'], removed: ['createNote'] });
  });
});

describe('toolMode meta', () => {
  it('offers three tools; call_operation is validated and authenticated like a direct call', async () => {
    const app = makeApp();
    await importOpenApi(app.catalog, doc('1'), { providerCode: 'notes', meta: true });
    app.catalog.updateProvider('notes', { apiKeyValue: 'meta-token' });
    const client = await connect(app);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['notes__search_operations', 'notes__describe_operation', 'notes__call_operation']);
    const found = await client.callTool({ name: 'notes__search_operations', arguments: { query: 'create note' } });
    expect((found.structuredContent as { operations: Array<{ code: string }> }).operations[0]!.code).toBe('createNote');
    const described = await client.callTool({ name: 'notes__describe_operation', arguments: { code: 'getNote' } });
    expect((described.structuredContent as { inputSchema: { required: string[] } }).inputSchema.required).toEqual(['noteId']);
    const before = upstream.requests.length;
    const invalid = await client.callTool({ name: 'notes__call_operation', arguments: { code: 'getNote', arguments: { noteId: 'seven' } } });
    expect(invalid.isError).toBe(true);
    expect(upstream.requests.length).toBe(before);
    const ok = await client.callTool({ name: 'notes__call_operation', arguments: { code: 'getNote', arguments: { noteId: 7 } } });
    expect(ok.isError).toBeFalsy();
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer meta-token');
    await client.close();
    await app.close();
  });
});

describe("GitHub's full REST description", () => {
  it('imports into the registry, and tools/list pages through every tool with schemas ajv compiles', async () => {
    const { createRequire } = await import('node:module');
    const { readFileSync } = await import('node:fs');
    const { Ajv } = await import('ajv');
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
    const app = makeApp();
    const started = performance.now();
    const report = await importOpenApi(app.catalog, readFileSync(file, 'utf8'), { providerCode: 'github' });
    console.error(`GitHub import into the database: ${Math.round(performance.now() - started)} ms, ${report.added.length} tools, ${report.skipped.length} skipped`);
    expect(report.added.length).toBeGreaterThan(1000);
    const client = await connect(app);
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    const ajv = new Ajv({ strict: false, validateFormats: false });
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      pages++;
      for (const tool of page.tools) {
        names.push(tool.name);
        ajv.compile(tool.inputSchema);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toBe(Math.ceil(report.added.length / 500));
    expect(new Set(names).size).toBe(report.added.length);
    await client.close();
    await app.close();
  }, 120_000);
});

describe('POST /admin/import with an OpenAPI document', () => {
  it('converts and imports it, with the query options of the CLI flags', async () => {
    const { startAdmin } = await import('./admin/harness.js');
    const admin = await startAdmin();
    try {
      const dry = await admin.call('POST', '/import?provider=notes&dryRun=true&exclude=/notes', doc('1'));
      expect(dry.status).toBe(200);
      expect(dry.json).toMatchObject({ provider: 'notes', added: ['getNote'], dryRun: true });
      expect(dry.json.skipped).toEqual([{ operation: 'POST /notes', reason: 'excluded by "/notes"' }]);
      expect(admin.app.catalog.listProviders()).toEqual([]);
      const real = await admin.call('POST', '/import?provider=notes&meta=true', doc('1'));
      expect(real.json).toMatchObject({ added: ['getNote', 'createNote'], dryRun: false });
      expect(admin.app.catalog.getProvider('notes').toolMode).toBe('meta');
      const broken = await admin.call('POST', '/import', { openapi: '3.0.0', info: { title: 'x', version: '1' }, paths: { '/a': { get: { responses: { '200': { $ref: 'other.yaml#/r' } } } } } });
      expect(broken.status).toBe(400);
      expect(broken.json.message).toMatch(/external|other\.yaml/i);
    } finally {
      await admin.close();
    }
  });
});
