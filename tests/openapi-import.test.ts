import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { importOpenApi, progressPrinter } from '../src/catalog/io/openapi-import.js';
import { connect, makeApp, tempDir, testEnv, textOf } from './helpers/app.js';
import { runCli, runCliAsync } from './helpers/cli.js';
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
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['text'],
                  properties: {
                    text: { type: 'string' },
                    meta: { type: 'object', properties: { pinned: { type: 'boolean' }, color: { type: 'string', enum: ['red', 'blue'] } } },
                  },
                },
              },
            },
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
    if (req.path.endsWith('/as-array')) res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id":7}]');
    else if (req.method === 'GET') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 7, text: 'hello', tags: ['a'] }));
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

    const get = JSON.parse(
      (await runCliAsync(['tool', 'call', 'getNote', JSON.stringify({ noteId: 7, fields: ['text', 'tags'], 'X-Request-Id': 'r-1' })], env)).stdout,
    );
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
    const v2doc = doc('2', { '/health': { get: { operationId: 'health', summary: 'Health', responses: { '200': { description: 'ok' } } } } }) as ReturnType<
      typeof doc
    >;
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
    expect(
      JSON.parse((await runCliAsync(['tool', 'list', '--json'], env)).stdout)
        .map((t: { code: string }) => t.code)
        .sort(),
    ).toEqual(['createNote', 'getNote']);

    const kept = JSON.parse((await runCliAsync(['import', v2, '--provider', 'notes', '--json'], env)).stdout);
    expect(kept).toMatchObject({ added: ['health'], changed: ['getNote'], removed: [] });
    const again = JSON.parse((await runCliAsync(['import', v2, '--provider', 'notes', '--prune', '--json'], env)).stdout);
    expect(again).toMatchObject({ added: [], changed: [], unchanged: ['getNote', 'health'], removed: ['createNote'] });
  });
});

describe('toolwire import SPEC: OpenAPI-only flags', () => {
  it('--base-url, --include, --exclude and --meta reach the conversion; an export refuses them', async () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const file = join(dir, 'notes.json');
    writeFileSync(
      file,
      JSON.stringify(
        doc('1', {
          '/notes/{noteId}/archive': {
            post: {
              operationId: 'archiveNote',
              parameters: [{ name: 'noteId', in: 'path', required: true, schema: { type: 'integer' } }],
              responses: { '204': { description: 'done' } },
            },
          },
        }),
      ),
    );
    const out = await runCliAsync(
      [
        'import',
        file,
        '--provider',
        'notes',
        '--base-url',
        'https://notes.test.example/api/',
        '--include',
        '/notes/**',
        '--exclude',
        '/notes/*/archive',
        '--meta',
        '--json',
      ],
      env,
    );
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.added).toEqual(['getNote']);
    expect(report.skipped).toEqual([
      { operation: 'POST /notes', reason: 'matched no include entry (tag or path)' },
      { operation: 'POST /notes/{noteId}/archive', reason: 'excluded by "/notes/*/archive"' },
    ]);
    const provider = JSON.parse((await runCliAsync(['provider', 'show', 'notes'], env)).stdout);
    expect(provider).toMatchObject({ baseUrl: 'https://notes.test.example/api', toolMode: 'meta' });
    // A re-import without --meta keeps the mode the user chose.
    expect((await runCliAsync(['import', file, '--provider', 'notes'], env)).code).toBe(0);
    expect(JSON.parse((await runCliAsync(['provider', 'show', 'notes'], env)).stdout).toolMode).toBe('meta');

    const exported = join(dir, 'export.json');
    expect((await runCliAsync(['export', '--out', exported], env)).code).toBe(0);
    const refused = await runCliAsync(['import', exported, '--base-url', 'https://x.example'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--base-url apply to OpenAPI documents only');
  });
});

describe('parameter name clashes', () => {
  it('a renamed argument is still sent under the name the API expects, in its own place', async () => {
    const app = await makeApp();
    await importOpenApi(
      app.catalog,
      doc('1', {
        '/items/{id}': {
          put: {
            operationId: 'putItem',
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'id', in: 'query', schema: { type: 'string' } },
              { name: 'id', in: 'header', schema: { type: 'string' } },
            ],
            requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' }, text: { type: 'string' } } } } } },
            responses: { '201': { description: 'created' } },
          },
        },
      }),
      { providerCode: 'notes' },
    );
    await app.catalog.updateProvider('notes', { apiKeyValue: 'token' });
    const client = await connect(app);
    const tool = (await client.listTools()).tools.find((t) => t.name === 'putItem')!;
    expect(Object.keys(tool.inputSchema.properties ?? {}).sort()).toEqual(['_fields', 'body_id', 'header_id', 'id', 'query_id', 'text']);
    const result = await client.callTool({ name: 'putItem', arguments: { id: 'p 1', query_id: 'q1', header_id: 'h1', body_id: 'b1', text: 't' } });
    expect(result.isError, textOf(result)).toBeFalsy();
    const seen = upstream.requests.at(-1)!;
    expect(seen.url).toBe('/v1/items/p%201?id=q1');
    expect(seen.headers.id).toBe('h1');
    expect(seen.json).toEqual({ id: 'b1', text: 't' });
    expect(JSON.stringify(seen.json) + seen.url).not.toMatch(/query_id|body_id|header_id/);
    await client.close();
    await app.close();
  });
});

describe('outputSchema and structuredContent', () => {
  it("an answer looser than the documented object still passes the SDK client's validation", async () => {
    const strict = {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'createdAt'],
      properties: { id: { type: 'integer' }, text: { type: 'string', enum: ['x'], maxLength: 1 }, createdAt: { type: 'string', format: 'date-time' } },
    };
    const app = await makeApp();
    await importOpenApi(
      app.catalog,
      doc('1', {
        '/strict/{noteId}': {
          get: {
            operationId: 'strictNote',
            parameters: [{ name: 'noteId', in: 'path', required: true, schema: { type: 'integer' } }],
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: strict } } } },
          },
        },
      }),
      { providerCode: 'notes' },
    );
    await app.catalog.updateProvider('notes', { apiKeyValue: 'token' });
    const client = await connect(app);
    const listed = (await client.listTools()).tools;
    expect(listed.find((t) => t.name === 'strictNote')!.outputSchema).toMatchObject({ type: 'object', properties: { id: { type: 'integer' } } });
    expect(listed.find((t) => t.name === 'createNote')!.outputSchema).toBeUndefined(); // 201 without a body
    // The upstream answers {id, text: "hello", tags}: an extra property, no createdAt, a text outside the enum.
    const result = await client.callTool({ name: 'strictNote', arguments: { noteId: 7 } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 7, text: 'hello', tags: ['a'] });
    const viaGet = await client.callTool({ name: 'getNote', arguments: { noteId: 7 } });
    expect(viaGet.structuredContent).toEqual({ id: 7, text: 'hello', tags: ['a'] });
    await client.close();
    await app.close();
  });

  it('an answer that is not an object reaches the agent as a clear error, not a result the client refuses', async () => {
    const app = await makeApp();
    await importOpenApi(
      app.catalog,
      doc('1', {
        '/notes/as-array': {
          get: {
            operationId: 'notesAsArray',
            responses: {
              '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'integer' } } } } } },
            },
          },
        },
      }),
      { providerCode: 'notes' },
    );
    await app.catalog.updateProvider('notes', { apiKeyValue: 'token' });
    const client = await connect(app);
    expect((await client.listTools()).tools.find((t) => t.name === 'notesAsArray')!.outputSchema).toBeDefined();
    const result = await client.callTool({ name: 'notesAsArray', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('something other than the JSON object its description promises');
    expect(textOf(result)).toContain('[{"id":7}]');
    await client.close();
    await app.close();
  });
});

describe('toolMode meta', () => {
  it('is a provider setting: switching it offers the three meta tools instead of the operations', async () => {
    const app = await makeApp();
    await importOpenApi(app.catalog, doc('1'), { providerCode: 'notes' });
    const client = await connect(app);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['createNote', 'getNote', 'toolwire_read_more']);
    await app.catalog.updateProvider('notes', { toolMode: 'meta' });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      'notes__call_operation',
      'notes__describe_operation',
      'notes__search_operations',
      'toolwire_read_more',
    ]);
    await client.close();
    await app.close();
  });

  it('offers three tools; call_operation is validated and authenticated like a direct call', async () => {
    const app = await makeApp();
    await importOpenApi(app.catalog, doc('1'), { providerCode: 'notes', meta: true });
    await app.catalog.updateProvider('notes', { apiKeyValue: 'meta-token' });
    const client = await connect(app);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      'notes__call_operation',
      'notes__describe_operation',
      'notes__search_operations',
      'toolwire_read_more',
    ]);
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

describe('progress on stderr for large documents', () => {
  const run = (tty: boolean, total: number) => {
    let text = '';
    const progress = progressPrinter((t) => (text += t), tty);
    for (let done = 0; done < total; done += 100) progress(done, total);
    progress(total, total);
    return text;
  };

  it('says nothing for 200 operations or fewer', () => {
    expect(run(false, 200)).toBe('');
    expect(run(true, 200)).toBe('');
  });

  it('redraws one counter line in place on a terminal, ending with a newline', () => {
    const text = run(true, 1223);
    expect(text.startsWith('\rconverting operations 0/1223\x1b[K')).toBe(true);
    expect(text).toContain('\rconverting operations 600/1223\x1b[K');
    expect(text.endsWith('\rconverting operations 1223/1223\x1b[K\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('writes a few plain lines otherwise: the start, each quarter, the end', () => {
    expect(run(false, 1223).split('\n').filter(Boolean)).toEqual([
      'converting operations 0/1223',
      'converting operations 400/1223',
      'converting operations 700/1223',
      'converting operations 1000/1223',
      'converting operations 1223/1223',
    ]);
  });

  it("`toolwire import` of GitHub's description: progress and summary on stderr, stdout only the --json report", () => {
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
    const env = testEnv();
    const out = runCli(['import', file, '--provider', 'github', '--json'], env);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as { added: string[]; skipped: unknown[] };
    const total = report.added.length + report.skipped.length;
    expect(total).toBeGreaterThan(1000);
    const progress = out.stderr.split('\n').filter((line) => line.startsWith('converting operations'));
    expect(progress[0]).toBe(`converting operations 0/${total}`);
    expect(progress.at(-1)).toBe(`converting operations ${total}/${total}`);
    expect(progress.length).toBeLessThanOrEqual(5);
    expect(out.stderr).not.toContain('\r');
    expect(out.stderr).toContain(`Imported provider "github" (new): ${report.added.length} tool(s) added`);
    expect(out.stdout).not.toContain('converting');

    const plain = runCli(['import', file, '--provider', 'github', '--dry-run'], env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toContain(`converting operations ${total}/${total}`);
    expect(plain.stderr).toContain(`Would import provider "github" (updated): 0 tool(s) added, 0 changed, ${report.added.length} unchanged`);
  }, 120_000);
});

describe("GitHub's full REST description", () => {
  it('imports into the registry, and tools/list pages through every tool with schemas ajv compiles', async () => {
    const { createRequire } = await import('node:module');
    const { readFileSync } = await import('node:fs');
    const { Ajv } = await import('ajv');
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
    const app = await makeApp();
    const started = performance.now();
    const report = await importOpenApi(app.catalog, readFileSync(file, 'utf8'), { providerCode: 'github' });
    const ms = Math.round(performance.now() - started);
    console.error(`GitHub import into the database: ${ms} ms, ${report.added.length} tools, ${report.skipped.length} skipped`);
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
    expect(new Set(names).size).toBe(report.added.length + 1); // and toolwire_read_more (SPEC §14)
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
      expect(await admin.app.catalog.listProviders()).toEqual([]);
      const real = await admin.call('POST', '/import?provider=notes&meta=true', doc('1'));
      expect(real.json).toMatchObject({ added: ['getNote', 'createNote'], dryRun: false });
      expect((await admin.app.catalog.getProvider('notes')).toolMode).toBe('meta');
      const broken = await admin.call('POST', '/import', {
        openapi: '3.0.0',
        info: { title: 'x', version: '1' },
        paths: { '/a': { get: { responses: { '200': { $ref: 'other.yaml#/r' } } } } },
      });
      expect(broken.status).toBe(400);
      expect(broken.json.message).toMatch(/external|other\.yaml/i);
    } finally {
      await admin.close();
    }
  });
});
