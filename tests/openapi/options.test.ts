import { describe, expect, it } from 'vitest';
import { convertOpenApi } from '../../src/catalog/openapi/index.js';
import { isToolwireError } from '../../src/core/errors.js';
import { doc, fixture, ok, tool } from './helpers.js';

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err: unknown = await promise.catch((e: unknown) => e);
  expect(isToolwireError(err) && err.code).toBe('INVALID_INPUT');
  return (err as Error).message;
}

describe('include / exclude', () => {
  const source = fixture('petstore-3.0.json');
  const codes = async (options: { include?: string[]; exclude?: string[] }) => (await convertOpenApi(source, options)).provider.tools.map((t) => t.code);

  it('match a tag exactly', async () => {
    expect(await codes({ include: ['photos'] })).toEqual(['listPhotos', 'uploadPhoto']);
    expect(await codes({ include: ['photo'] })).toEqual([]);
  });

  it('match the path as a glob: * within a segment, ** across segments', async () => {
    expect(await codes({ include: ['/pets/*'] })).toEqual(['showPetById', 'replacePet', 'tagPet', 'delete_pets_petId']);
    expect(await codes({ include: ['/pets/**'] })).toEqual(['showPetById', 'replacePet', 'tagPet', 'delete_pets_petId', 'listPhotos', 'uploadPhoto']);
    expect(await codes({ include: ['/stores/{storeId}/*'] })).toEqual(['dup', 'dup_2']);
  });

  it('exclude wins over include, and every filtered operation is reported', async () => {
    const result = await convertOpenApi(source, { include: ['pets'], exclude: ['admin', '/pets/{petId}'] });
    expect(result.provider.tools.map((t) => t.code)).toEqual(['listPets']);
    expect(result.skipped).toContainEqual({ operation: 'POST /pets', reason: 'excluded by "admin"' });
    expect(result.skipped).toContainEqual({ operation: 'GET /pets/{petId}', reason: 'excluded by "/pets/{petId}"' });
    expect(result.skipped).toContainEqual({ operation: 'GET /pets/{petId}/photos', reason: 'matched no include entry (tag or path)' });
    expect(result.provider.tools.length + result.skipped.length).toBe(11);
  });
});

describe('operations → tools', () => {
  it('skip HEAD, OPTIONS and TRACE with a reason', async () => {
    const result = await convertOpenApi(
      doc({ '/a': { head: { responses: ok }, options: { responses: ok }, trace: { responses: ok }, get: { responses: ok } } }),
    );
    expect(result.provider.tools.map((t) => t.code)).toEqual(['get_a']);
    expect(result.skipped.map((s) => s.operation)).toEqual(['HEAD /a', 'OPTIONS /a', 'TRACE /a']);
    expect(result.skipped[1]!.reason).toBe('OPTIONS is not supported: toolwire tools use GET, POST, PUT, PATCH or DELETE');
  });

  it('derive codes from operationId (sanitized, ≤ 64, unique) or from method and path', async () => {
    const long = 'x'.repeat(70);
    const result = await convertOpenApi(
      doc({
        '/repos/{owner}/{repo}/issues': { get: { responses: ok }, post: { operationId: 'issues/create', responses: ok } },
        '/b': { get: { operationId: long, responses: ok }, put: { operationId: long, responses: ok } },
        '/c': { get: { operationId: 'a b:c', responses: ok }, post: { operationId: 'a_b_c', responses: ok }, delete: { operationId: '!!!', responses: ok } },
      }),
    );
    expect(result.provider.tools.map((t) => t.code)).toEqual([
      'get_repos_owner_repo_issues',
      'issues_create',
      'x'.repeat(64),
      `${'x'.repeat(62)}_2`,
      'a_b_c',
      'a_b_c_2',
      'delete_c',
    ]);
  });

  it('take the title from summary and the description from summary + description, bounded', async () => {
    const result = await convertOpenApi(
      doc({
        '/a': { get: { operationId: 'a', summary: 'Get A', description: 'Reads A.', responses: ok } },
        '/long': { get: { operationId: 'long', summary: 'Get it', description: `Get it in detail. ${'word '.repeat(400)}`, responses: ok } },
        '/b': { get: { operationId: 'b', deprecated: true, responses: ok } },
      }),
    );
    expect(tool(result, 'a')).toMatchObject({ name: 'Get A', description: 'Get A\n\nReads A.' });
    const long = tool(result, 'long');
    expect(long.description!.startsWith('Get it in detail. word word')).toBe(true); // the summary is not repeated
    expect(long.description!.length).toBeLessThanOrEqual(1000);
    expect(long.description!.endsWith('…')).toBe(true);
    expect(tool(result, 'b')).toMatchObject({ name: 'b', description: 'Deprecated. GET /b' });
  });

  it('report progress once the operations are counted, every 100 operations and at the end', async () => {
    const paths = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`/r${i}`, { get: { responses: ok } }]));
    const calls: Array<[number, number]> = [];
    await convertOpenApi(doc(paths), { onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toEqual([
      [0, 250],
      [100, 250],
      [200, 250],
      [250, 250],
    ]);
  });
});

describe('provider fields', () => {
  const paths = { '/a': { get: { responses: ok } } };

  it('baseUrl from servers[0] with variables replaced by their defaults', async () => {
    const result = await convertOpenApi(fixture('petstore-3.0.json'));
    expect(result.provider.baseUrl).toBe('https://eu.petstore.example/v2');
  });

  it('baseUrl, providerCode and toolMode from the options win', async () => {
    const result = await convertOpenApi(fixture('petstore-3.0.json'), {
      baseUrl: 'http://localhost:4010/',
      providerCode: 'pets',
      toolMode: 'meta',
    });
    expect(result.provider).toMatchObject({ baseUrl: 'http://localhost:4010', code: 'pets', toolMode: 'meta', name: 'Pet Store' });
  });

  it('a relative server URL, or none, leaves the base URL to set (keeping the relative path); a bad options.baseUrl is refused', async () => {
    const relative = await convertOpenApi(fixture('notes-3.1.yaml'));
    expect(relative.provider.baseUrl).toBe('https://base-url-not-set.invalid/v1');
    expect(relative.baseUrlToSet).toEqual({ pathPrefix: '/v1' });
    const none = await convertOpenApi({ ...doc(paths), servers: [] });
    expect(none.provider.baseUrl).toBe('https://base-url-not-set.invalid');
    expect(none.baseUrlToSet).toEqual({ pathPrefix: '' });
    const given = await convertOpenApi(fixture('notes-3.1.yaml'), { baseUrl: 'https://notes.example/v1' });
    expect(given.provider.baseUrl).toBe('https://notes.example/v1');
    expect(given.baseUrlToSet).toBeNull();
    expect(await refusal(convertOpenApi(doc(paths), { baseUrl: 'api.example.com' }))).toContain('not an absolute http(s) URL');
  });

  it('a provider code is checked, and derived from the title when not given', async () => {
    expect(await refusal(convertOpenApi(doc(paths), { providerCode: 'has space' }))).toContain('providerCode');
    const result = await convertOpenApi({ ...doc(paths), info: { title: "Bob's  Weather API (v2)", version: '1' } });
    expect(result.provider.code).toBe('bobs-weather-api-v2');
  });

  it('prefers an https server to an http one listed before it, and an absolute one to a relative one', async () => {
    const servers = [{ url: 'http://api.test.example' }, { url: 'https://api.test.example' }];
    expect((await convertOpenApi({ ...doc(paths), servers })).provider.baseUrl).toBe('https://api.test.example');
    const mixed = [{ url: '/' }, { url: 'http://{host}.test.example', variables: { host: { default: 'api' } } }];
    expect((await convertOpenApi({ ...doc(paths), servers: mixed })).provider.baseUrl).toBe('http://api.test.example');
  });

  it('assumes https for a server URL without a scheme, with a warning', async () => {
    const result = await convertOpenApi({ ...doc(paths), servers: [{ url: '//api.test.example/v1/' }] });
    expect(result.provider.baseUrl).toBe('https://api.test.example/v1');
    expect(result.warnings).toContain('The server URL "//api.test.example/v1/" has no scheme: https://api.test.example/v1/ assumed.');
    const swagger = await convertOpenApi({
      swagger: '2.0',
      info: { title: 'S', version: '1' },
      host: 'legacy.test.example',
      basePath: '/v2',
      paths: { '/a': { get: { responses: ok } } },
    });
    expect(swagger.provider.baseUrl).toBe('https://legacy.test.example/v2');
  });

  it('refuses a document without operations', async () => {
    expect(await refusal(convertOpenApi(doc({}, { webhooks: { hook: { post: { responses: ok } } } })))).toContain('no operations');
  });

  it('an operation with its own server below the base URL gets the extra path; elsewhere it is skipped', async () => {
    const result = await convertOpenApi(
      doc({
        '/up': { post: { operationId: 'up', servers: [{ url: 'https://uploads.test.example' }], responses: ok } },
        '/sub': { servers: [{ url: 'https://api.test.example/beta' }], get: { operationId: 'sub', responses: ok } },
        '/same': { get: { operationId: 'same', servers: [{ url: 'https://api.test.example/' }], responses: ok } },
      }),
    );
    expect(result.provider.tools.map((t) => [t.code, t.endpointPath])).toEqual([
      ['sub', '/beta/sub'],
      ['same', '/same'],
    ]);
    expect(result.skipped).toEqual([{ operation: 'POST /up', reason: "its own server URL is not under the provider's base URL" }]);
    const schemeless = await convertOpenApi({
      ...doc({ '/k': { get: { operationId: 'k', servers: [{ url: 'https://kube.test.example' }], responses: ok } } }),
      servers: [{ url: '//kube.test.example' }],
    });
    expect(schemeless.provider.tools.map((t) => t.endpointPath)).toEqual(['/k']);
  });
});
