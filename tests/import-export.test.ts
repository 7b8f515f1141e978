import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportProviders } from '../src/catalog/io/export.js';
import { importProviders } from '../src/catalog/io/import.js';
import { makeApp } from './helpers/app.js';

const HANDSAI_EXPORT = JSON.parse(readFileSync(new URL('./fixtures/handsai-export-example.json', import.meta.url), 'utf8'));

async function snapshot(app: Awaited<ReturnType<typeof makeApp>>) {
  return JSON.stringify({ p: await app.catalog.listProviders(), t: await app.catalog.listTools() });
}

describe('import', () => {
  it('imports a HandsAI export unchanged', async () => {
    const app = await makeApp();
    const report = await importProviders(app.catalog, HANDSAI_EXPORT);
    expect(report.providers.created).toEqual(['bluesky', 'github']);
    expect(report.tools.created).toEqual(['bluesky-timeline', 'github-create-issue']);
    const github = await app.catalog.getProvider('github');
    expect(github.apiKeyValue).toBeNull(); // a placeholder is not a credential
    expect(github.customHeaders['X-GitHub-Api-Version']).toBe('2022-11-28');
    const issue = await app.catalog.getTool('github-create-issue');
    expect(issue.parameters.map((p) => p.name)).toEqual(['owner', 'repo', 'title', 'body', 'labels']);
    expect(app.registry.current().entries.has('github-create-issue')).toBe(true);
  });

  it('upserts by code: placeholders and blanks keep stored secrets, unlisted tools are kept, parameters replaced whole', async () => {
    const app = await makeApp();
    await importProviders(app.catalog, HANDSAI_EXPORT);
    await app.catalog.updateProvider('github', { apiKeyValue: 'ghp_real', customHeaders: { Authorization: 'token-x', Accept: 'a' } });
    await app.catalog.createTool({ name: 'extra', code: 'github-extra', providerCode: 'github', endpointPath: '/extra' });
    const again = structuredClone(HANDSAI_EXPORT);
    again[1].customHeaders = { Authorization: '<YOUR_API_KEY>', Accept: 'b' };
    again[1].tools[0].parameters = [
      { name: 'owner', type: 'STRING', required: true },
      { name: 'repo', type: 'STRING', required: true },
    ];
    const report = await importProviders(app.catalog, again);
    expect(report.providers.updated).toEqual(['bluesky', 'github']);
    const github = await app.catalog.getProvider('github');
    expect(github.apiKeyValue).toBe('ghp_real');
    expect(github.customHeaders).toEqual({ Authorization: 'token-x', Accept: 'b' });
    expect((await app.catalog.getTool('github-create-issue')).parameters.map((p) => p.name)).toEqual(['owner', 'repo']);
    expect((await app.catalog.getTool('github-extra')).code).toBe('github-extra');
  });

  it('rejects the whole file on any invalid entry, naming entry and field, and changes nothing', async () => {
    const app = await makeApp();
    await importProviders(app.catalog, HANDSAI_EXPORT);
    const before = await snapshot(app);
    const cases: Array<[unknown, RegExp]> = [
      [[...HANDSAI_EXPORT, { name: 'Bad', code: 'bad', baseUrl: 'ftp://x' }], /Import entry 2 \(provider "bad"\).*baseUrl must be an absolute http\(s\) URL/],
      [[{ ...HANDSAI_EXPORT[0], authenticationType: 'OAUTH' }], /Import entry 0 .*authenticationType must be one of NONE, API_KEY, BEARER_TOKEN, BASIC_AUTH/],
      [[{ name: 'No URL', code: 'nourl' }], /baseUrl is required/],
      [
        [{ ...HANDSAI_EXPORT[1], tools: [{ ...HANDSAI_EXPORT[1].tools[0], httpMethod: 'FETCH' }] }],
        /tools\[0\]\.httpMethod must be one of GET, POST, PUT, PATCH, DELETE/,
      ],
      [[{ ...HANDSAI_EXPORT[1], tools: [{ ...HANDSAI_EXPORT[1].tools[0], code: 'bad code!' }] }], /tools\[0\]\.code must be 1–64 characters/],
      [[{ ...HANDSAI_EXPORT[1], code: 'github2', tools: HANDSAI_EXPORT[1].tools }], /belongs to a tool of provider "github"/],
      [[HANDSAI_EXPORT[1], { ...HANDSAI_EXPORT[0], tools: HANDSAI_EXPORT[1].tools }], /"github-create-issue" appears twice in the file/],
      [{ not: 'an array' }, /must be a JSON array of providers/],
    ];
    for (const [file, message] of cases) {
      await expect(async () => importProviders(app.catalog, file)).rejects.toThrow(message);
      expect(await snapshot(app)).toBe(before);
    }
  });

  it('a dry run reports without writing', async () => {
    const app = await makeApp();
    const report = await importProviders(app.catalog, HANDSAI_EXPORT, { dryRun: true });
    expect(report.providers.created).toHaveLength(2);
    expect(await app.catalog.listProviders()).toEqual([]);
  });
});

describe('export', () => {
  it('replaces every secret with the placeholder, keeps configuration headers, skips non-exportable providers', async () => {
    const app = await makeApp();
    await app.catalog.createProvider({
      name: 'Full',
      code: 'full',
      baseUrl: 'https://api.example.com',
      authenticationType: 'BEARER_TOKEN',
      apiKeyValue: 'ghp_secret_value',
      customHeaders: { Accept: 'application/json', 'X-Api-Key': 'hdr-secret', Cookie: 'session=abc' },
      isDynamicAuth: true,
      dynamicAuthUrl: 'https://auth.example.com/token',
      dynamicAuthPayload: '{"client_id":"cid-secret","client_secret":"cs-secret"}',
    });
    await app.catalog.createTool({ name: 'T', code: 'full-t', providerCode: 'full', endpointPath: '/t' });
    await app.catalog.createProvider({ name: 'Hidden', code: 'hidden', baseUrl: 'https://h.example.com', isExportable: false });
    const exported = await exportProviders(app.catalog);
    const text = JSON.stringify(exported);
    for (const secret of ['ghp_secret_value', 'hdr-secret', 'session=abc', 'cid-secret', 'cs-secret']) expect(text).not.toContain(secret);
    expect(exported).toHaveLength(1);
    expect(exported[0]!.apiKeyValue).toBe('<YOUR_API_KEY>');
    expect(exported[0]!.customHeaders).toEqual({ Accept: 'application/json', 'X-Api-Key': '<YOUR_API_KEY>', Cookie: '<YOUR_API_KEY>' });
    expect(JSON.parse(exported[0]!.dynamicAuthPayload as string)).toEqual({ client_id: '<YOUR_API_KEY>', client_secret: '<YOUR_API_KEY>' });
    expect(exported[0]!.tools.map((t) => t.code)).toEqual(['full-t']);

    // Round trip into the same database keeps every secret.
    await importProviders(app.catalog, exported);
    const full = await app.catalog.getProvider('full');
    expect(full.apiKeyValue).toBe('ghp_secret_value');
    expect(full.customHeaders['X-Api-Key']).toBe('hdr-secret');
    expect(JSON.parse(full.dynamicAuthPayload as string)).toEqual({ client_id: 'cid-secret', client_secret: 'cs-secret' });
  });
});
