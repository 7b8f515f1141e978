import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, tempDir, testEnv, textOf } from './helpers/app.js';
import { runCliAsync } from './helpers/cli.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';
import { startAdmin } from './admin/harness.js';

/**
 * SPEC §14: an OpenAPI document without an absolute server URL imports anyway, its base URL left to
 * set; the report says how; a call before that is an isError that says so, and nothing is sent. A
 * relative server URL is kept as the path prefix of the base URL to set.
 */
let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());

function petDoc(servers?: unknown[]) {
  return {
    openapi: '3.0.3',
    info: { title: 'Pets', version: '1' },
    ...(servers ? { servers } : {}),
    paths: {
      '/pets/{petId}': {
        get: {
          operationId: 'getPet',
          parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: { '200': { description: 'ok' } },
        },
      },
    },
  };
}

describe('toolwire import of a document without servers (CLI)', () => {
  it('imports with the base URL to set, a call says how and sends nothing; once set, calls reach the API', async () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const file = join(dir, 'pets.json');
    writeFileSync(file, JSON.stringify(petDoc()));
    const out = await runCliAsync(['import', file, '--provider', 'pets', '--json'], env);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).baseUrlToSet).toMatchObject({ baseUrl: 'https://base-url-not-set.invalid', pathPrefix: '' });
    expect(out.stderr).toContain('Base URL to set (the document names no absolute server; stored as https://base-url-not-set.invalid)');
    expect(out.stderr).toContain('toolwire provider update pets --base-url https://api.example.com');
    expect(JSON.parse((await runCliAsync(['provider', 'show', 'pets', '--json'], env)).stdout).baseUrl).toBe('https://base-url-not-set.invalid');

    const before = upstream.requests.length;
    const early = await runCliAsync(['tool', 'call', 'getPet', '{"petId": 1}'], env);
    expect(early.code).toBe(1);
    const result = JSON.parse(early.stdout);
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toContain('Provider "pets" has no base URL yet');
    expect(result.content[0].text).toContain('toolwire provider update pets --base-url');
    expect(upstream.requests.length).toBe(before);

    expect((await runCliAsync(['provider', 'update', 'pets', '--base-url', upstream.url], env)).code).toBe(0);
    const ok = await runCliAsync(['tool', 'call', 'getPet', '{"petId": 1}'], env);
    expect(ok.code, ok.stdout).toBe(0);
    expect(upstream.requests.at(-1)!.path).toBe('/pets/1');
  });

  it('a relative server URL (/api/v3) is the prefix of the base URL to set: the host alone gives host/api/v3; a re-import keeps it', async () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const file = join(dir, 'pets.yaml');
    writeFileSync(file, JSON.stringify(petDoc([{ url: '/api/v3' }])));
    const out = await runCliAsync(['import', file, '--provider', 'pets'], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('stored as https://base-url-not-set.invalid/api/v3');
    expect(out.stderr).toContain('https://api.example.com becomes https://api.example.com/api/v3');

    expect((await runCliAsync(['provider', 'update', 'pets', '--base-url', `${upstream.url}/`], env)).code).toBe(0);
    expect(JSON.parse((await runCliAsync(['provider', 'show', 'pets', '--json'], env)).stdout).baseUrl).toBe(`${upstream.url}/api/v3`);
    expect((await runCliAsync(['tool', 'call', 'getPet', '{"petId": 2}'], env)).code).toBe(0);
    expect(upstream.requests.at(-1)!.path).toBe('/api/v3/pets/2');

    // Importing the same document again never puts the stand-in back over the base URL set.
    const again = await runCliAsync(['import', file, '--provider', 'pets', '--json'], env);
    expect(JSON.parse(again.stdout).baseUrlToSet).toBeNull();
    expect(again.stderr).not.toContain('Base URL to set');
    expect(JSON.parse((await runCliAsync(['provider', 'show', 'pets', '--json'], env)).stdout).baseUrl).toBe(`${upstream.url}/api/v3`);
  });
});

describe('POST /admin/import of a document without servers', () => {
  it('reports the base URL to set; an MCP call is an isError with nothing sent; PUT baseUrl makes it work', async () => {
    const admin = await startAdmin();
    try {
      const imported = await admin.call('POST', '/import?provider=pets', petDoc([{ url: '/api/v3' }]));
      expect(imported.status).toBe(200);
      expect(imported.json.baseUrlToSet).toMatchObject({ baseUrl: 'https://base-url-not-set.invalid/api/v3', pathPrefix: '/api/v3' });
      expect(imported.json.baseUrlToSet.how).toContain('PUT /admin/providers/{id}');
      const client = await connect(admin.app);
      const before = upstream.requests.length;
      const early = await client.callTool({ name: 'getPet', arguments: { petId: 3 } });
      expect(early.isError).toBe(true);
      expect(textOf(early)).toContain('has no base URL yet');
      expect(textOf(early)).toContain('/api/v3 is kept');
      expect(upstream.requests.length).toBe(before);

      const id = (await admin.app.catalog.getProvider('pets')).id;
      const put = await admin.call('PUT', `/providers/${id}`, { baseUrl: upstream.url });
      expect(put.status, put.text).toBe(200);
      expect(put.json.baseUrl).toBe(`${upstream.url}/api/v3`);
      const ok = await client.callTool({ name: 'getPet', arguments: { petId: 3 } });
      expect(ok.isError).toBeFalsy();
      expect(upstream.requests.at(-1)!.path).toBe('/api/v3/pets/3');
      await client.close();
    } finally {
      await admin.close();
    }
  });
});
