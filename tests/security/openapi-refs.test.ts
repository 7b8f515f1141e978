import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isToolwireError } from '../../src/core/errors.js';
import { convertOpenApi } from '../../src/catalog/openapi/index.js';
import { startAdmin } from '../admin/harness.js';
import { tempDir, testEnv } from '../helpers/app.js';
import { CLI, type CliResult } from '../helpers/cli.js';

/**
 * SPEC §15: the OpenAPI import never dereferences a `$ref` outside the document — no file path, no
 * `file:` URL, no http(s) URL, no sibling file — in OpenAPI 3.x or Swagger 2.0 (swagger2openapi's
 * own resolver stays off). A server that would answer every request records whether it was contacted;
 * sibling files hold a marker that would show up in the import had they been read.
 */

const MARKER = 'READ_FROM_ANOTHER_FILE';
let hits: string[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'string', enum: [MARKER] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** An OpenAPI 3.0 document whose one operation answers with the schema `$ref: ref`. */
function withRef(ref: string, extra: Record<string, unknown> = {}) {
  return {
    openapi: '3.0.3',
    info: { title: 'Refs', version: '1' },
    servers: [{ url: 'https://api.test.example' }],
    paths: {
      '/a': { get: { operationId: 'a', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: ref } } } } } } },
    },
    ...extra,
  };
}

async function refusal(source: object): Promise<string> {
  const err: unknown = await convertOpenApi(source).catch((e: unknown) => e);
  expect(isToolwireError(err) && err.code, String(err)).toBe('INVALID_INPUT');
  return (err as Error).message;
}

/** The built CLI run from `cwd`, where a relative `$ref` would be looked up. */
function cliIn(cwd: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe('OpenAPI $refs outside the document are never followed (SPEC §15)', () => {
  it('refuses /etc/passwd, file:///etc/hostname, an http URL and a sibling file, reading and fetching nothing', async () => {
    hits = [];
    const dir = tempDir();
    writeFileSync(join(dir, 'other.yaml'), stringify({ x: { type: 'string', enum: [MARKER] } }));
    for (const ref of [
      '/etc/passwd',
      'file:///etc/hostname',
      `${base}/x.json`,
      `${base}/x.json#/y`,
      'other.yaml#/x',
      join(dir, 'other.yaml'),
      `//127.0.0.1:${new URL(base).port}/x`,
    ]) {
      const message = await refusal(withRef(ref));
      expect(message).toContain(`External $ref "${ref}"`);
      expect(message).toContain('never fetches other files or URLs');
      expect(message).not.toContain(MARKER);
      expect(message).not.toContain('root:');
    }
    expect(hits).toEqual([]);
  });

  it("`toolwire import` from the spec file's folder: the same refusals, the database unchanged, nothing fetched", async () => {
    hits = [];
    const dir = tempDir();
    const env = testEnv(dir);
    writeFileSync(join(dir, 'other.yaml'), stringify({ x: { type: 'string', enum: [MARKER] } }));
    for (const [i, ref] of ['other.yaml#/x', './other.yaml', '/etc/passwd', 'file:///etc/hostname', `${base}/x.json`].entries()) {
      const file = join(dir, `spec-${i}.yaml`);
      writeFileSync(file, stringify(withRef(ref)));
      const out = await cliIn(dir, ['import', `spec-${i}.yaml`, '--provider', 'refs'], env);
      expect(out.code).not.toBe(0);
      expect(out.stderr).toContain(`External $ref "${ref}"`);
      expect(out.stderr + out.stdout).not.toContain(MARKER);
      expect(out.stderr + out.stdout).not.toContain('root:');
    }
    const list = await cliIn(dir, ['tool', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect(hits).toEqual([]);
  });

  it('refuses external refs in Swagger 2.0 before conversion (definitions, parameters, responses), fetching nothing', async () => {
    hits = [];
    const swagger = (where: 'definition' | 'parameter' | 'response') => ({
      swagger: '2.0',
      info: { title: 't', version: '1' },
      host: 'api.test.example',
      definitions: where === 'definition' ? { Pet: { $ref: `${base}/pet.json` } } : {},
      paths: {
        '/a': {
          get: {
            parameters: where === 'parameter' ? [{ $ref: `${base}/params.json#/p` }] : [],
            responses: { '200': where === 'response' ? { $ref: 'file:///etc/passwd' } : { description: 'ok' } },
          },
        },
      },
    });
    for (const where of ['definition', 'parameter', 'response'] as const) {
      expect(await refusal(swagger(where))).toContain('External $ref');
    }
    expect(hits).toEqual([]);
  });

  it('never fetches what other URL-valued keywords name ($id, $schema, jsonSchemaDialect, discriminator mapping, externalDocs)', async () => {
    hits = [];
    const result = await convertOpenApi({
      openapi: '3.1.0',
      info: { title: 'Urls', version: '1' },
      jsonSchemaDialect: `${base}/dialect`,
      externalDocs: { url: `${base}/docs` },
      servers: [{ url: 'https://api.test.example' }],
      components: {
        schemas: {
          Pet: {
            $id: `${base}/schemas/pet.json`,
            $schema: `${base}/meta`,
            type: 'object',
            properties: { kind: { type: 'string' }, owner: { $ref: '#/components/schemas/Owner' } },
            discriminator: { propertyName: 'kind', mapping: { dog: `${base}/dog.json` } },
          },
          Owner: { type: 'object', properties: { name: { type: 'string' } } },
        },
      },
      paths: {
        '/pets': {
          post: {
            operationId: 'addPet',
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } },
            responses: { '200': { description: 'ok' } },
          },
        },
      },
    });
    const owner = result.provider.tools[0]!.parameters.find((p) => p.name === 'owner');
    expect(owner?.schema).toMatchObject({ type: 'object', properties: { name: { type: 'string' } } });
    expect(JSON.stringify(result)).not.toContain(MARKER);
    expect(hits).toEqual([]);
  });

  it('`toolwire import URL` never fetches the spec (a URL is not a file), with or without TOOLWIRE_BLOCK_PRIVATE', async () => {
    hits = [];
    const dir = tempDir();
    for (const extra of [{}, { TOOLWIRE_BLOCK_PRIVATE: '1' }]) {
      const out = await cliIn(dir, ['import', `${base}/openapi.json`], testEnv(dir, extra));
      expect(out.code).not.toBe(0);
      expect(out.stderr).toContain(`Cannot read ${base}/openapi.json`);
    }
    expect(hits).toEqual([]);
  });

  it('POST /admin/import with an external $ref answers 400 naming it, and fetches nothing', async () => {
    hits = [];
    const admin = await startAdmin();
    try {
      const answer = await admin.call('POST', '/import', withRef(`${base}/x.json`));
      expect(answer.status).toBe(400);
      expect(answer.text).toContain(`External $ref \\"${base}/x.json\\"`);
      expect((await admin.call('GET', '/tools')).json).toEqual([]);
    } finally {
      await admin.close();
    }
    expect(hits).toEqual([]);
  });
});
