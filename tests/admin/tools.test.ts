import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type AdminHarness } from './harness.js';

let admin: AdminHarness;
let githubId: number;
beforeAll(async () => {
  admin = await startAdmin();
  const gh = await admin.call('POST', '/providers', {
    name: 'GitHub REST API',
    code: 'github',
    baseUrl: 'https://api.github.com',
    authenticationType: 'BEARER_TOKEN',
    apiKeyLocation: 'HEADER',
    apiKeyName: 'Authorization',
    apiKeyValue: 'ghp_toolsTestSecret123',
  });
  githubId = gh.json.id;
  await admin.call('POST', '/providers', { name: 'Weather', code: 'weather', baseUrl: 'https://weather.example.com/v1' });
});
afterAll(() => admin.close());

/** The tool of the HandsAI export example, naming its provider by code. */
const createIssue = {
  name: 'Create issue',
  code: 'github-create-issue',
  description: 'Open an issue in a repository',
  providerCode: 'github',
  endpointPath: '/repos/{owner}/{repo}/issues',
  bodyPayloadTemplate: null,
  httpMethod: 'POST',
  parameters: [
    { name: 'owner', type: 'STRING', description: 'Repository owner', required: true, defaultValue: null },
    { name: 'repo', type: 'STRING', description: 'Repository name', required: true, defaultValue: null },
    { name: 'title', type: 'STRING', description: 'Issue title', required: true, defaultValue: null },
    { name: 'body', type: 'STRING', description: 'Issue text', required: false, defaultValue: null },
    { name: 'labels', type: 'ARRAY', description: 'Label names', required: false, defaultValue: null },
  ],
};

const tool = (code: string, extra: Record<string, unknown> = {}) => ({
  name: `Tool ${code}`,
  code,
  providerCode: 'weather',
  endpointPath: `/${code}`,
  httpMethod: 'GET',
  ...extra,
});
const fieldsOf = (json: { fields: Array<{ field: string }> }) => json.fields.map((f) => f.field);

describe('tool CRUD', () => {
  let issueId: number;

  it('POST /admin/tools answers 201 with the created tool and its id', async () => {
    const res = await admin.call('POST', '/tools', createIssue);
    expect(res.status, res.text).toBe(201);
    issueId = res.json.id;
    expect(issueId).toEqual(expect.any(Number));
    expect(res.headers.get('location')).toBe(`/admin/tools/${issueId}`);
    expect(res.json).toMatchObject({
      code: 'github-create-issue',
      providerId: githubId,
      providerCode: 'github',
      httpMethod: 'POST',
      endpointPath: '/repos/{owner}/{repo}/issues',
    });
    expect(res.json.parameters).toHaveLength(5);
    expect(admin.app.registry.current().entries.has('github-create-issue')).toBe(true);
  });

  it('a tool may name its provider by providerId', async () => {
    const res = await admin.call('POST', '/tools', {
      name: 'Get repo',
      code: 'github-get-repo',
      providerId: githubId,
      endpointPath: '/repos/{owner}/{repo}',
      httpMethod: 'get',
      parameters: [
        { name: 'owner', required: true },
        { name: 'repo', required: true },
      ],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ providerCode: 'github', httpMethod: 'GET' });
  });

  it('GET lists, filters by provider, and the /tools/api alias answers the same', async () => {
    const all = await admin.call('GET', '/tools');
    expect(all.status).toBe(200);
    expect(all.json.map((t: { code: string }) => t.code)).toEqual(['github-create-issue', 'github-get-repo']);
    expect((await admin.call('GET', '/tools/api')).json).toEqual(all.json);
    expect((await admin.call('GET', '/tools?provider=github')).json).toHaveLength(2);
    expect((await admin.call('GET', `/tools?providerId=${githubId}`)).json).toHaveLength(2);
    expect((await admin.call('GET', '/tools?provider=weather')).json).toEqual([]);
    expect((await admin.call('GET', '/tools?provider=nope')).status).toBe(404);
    expect((await admin.call('GET', '/tools?providerId=abc')).status).toBe(400);
    const one = await admin.call('GET', `/tools/${issueId}`);
    expect(one.json).toEqual(all.json[0]);
    expect((await admin.call('GET', `/tools/api/${issueId}`)).json).toEqual(one.json);
  });

  it('PUT is partial; a GET body PUT back unchanged changes nothing', async () => {
    const res = await admin.call('PUT', `/tools/api/${issueId}`, { description: 'Open a GitHub issue' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ description: 'Open a GitHub issue', name: 'Create issue', endpointPath: createIssue.endpointPath });
    expect(res.json.parameters).toHaveLength(5);
    const shown = (await admin.call('GET', `/tools/${issueId}`)).json;
    const put = await admin.call('PUT', `/tools/${issueId}`, shown);
    expect(put.status).toBe(200);
    const { updatedAt: _a, ...before } = shown;
    const { updatedAt: _b, ...after } = put.json;
    expect(after).toEqual(before);
  });

  it('PUT can move a tool to another provider', async () => {
    const created = await admin.call('POST', '/tools', tool('forecast'));
    const moved = await admin.call('PUT', `/tools/${created.json.id}`, { providerCode: 'github' });
    expect(moved.json).toMatchObject({ providerCode: 'github', providerId: githubId });
    expect((await admin.call('DELETE', `/tools/${created.json.id}`)).status).toBe(204);
  });

  it('DELETE (also through the alias) answers 204; the tool is gone from the catalog and the registry', async () => {
    const created = await admin.call('POST', '/tools', tool('to-delete'));
    expect(admin.app.registry.current().entries.has('to-delete')).toBe(true);
    const res = await admin.call('DELETE', `/tools/api/${created.json.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await admin.call('GET', `/tools/${created.json.id}`)).status).toBe(404);
    expect(admin.app.registry.current().entries.has('to-delete')).toBe(false);
  });
});

describe('tool mistakes', () => {
  it('a tool naming a missing provider is 400 naming providerCode or providerId', async () => {
    const byCode = await admin.call('POST', '/tools', tool('orphan', { providerCode: 'no-such-provider' }));
    expect(byCode.status).toBe(400);
    expect(byCode.json).toMatchObject({ error: 'invalid_request', fields: [{ field: 'providerCode', message: expect.stringMatching(/does not exist/) }] });
    const byId = await admin.call('POST', '/tools', tool('orphan', { providerCode: undefined, providerId: 987654 }));
    expect(byId.status).toBe(400);
    expect(fieldsOf(byId.json)).toEqual(['providerId']);
    const none = await admin.call('POST', '/tools', tool('orphan', { providerCode: undefined }));
    expect(none.status).toBe(400);
    expect(fieldsOf(none.json)).toEqual(['providerCode']);
  });

  it('a bad tool code, method or parameter type is 400 naming each field', async () => {
    const res = await admin.call('POST', '/tools', tool('bad code!', { httpMethod: 'FETCH', parameters: [{ name: 'q', type: 'TEXT' }] }));
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(expect.arrayContaining(['code', 'httpMethod', 'parameters[0].type']));
    const method = res.json.fields.find((f: { field: string }) => f.field === 'httpMethod');
    expect(method.message).toMatch(/GET, POST, PUT, PATCH, DELETE/);
  });

  it('a path placeholder without a parameter, or a full URL as path, is 400 naming endpointPath', async () => {
    const placeholder = await admin.call('POST', '/tools', tool('ph', { endpointPath: '/cities/{city}' }));
    expect(placeholder.status).toBe(400);
    expect(fieldsOf(placeholder.json)).toEqual(['endpointPath']);
    const url = await admin.call('POST', '/tools', tool('url', { endpointPath: 'https://evil.example.com/x' }));
    expect(url.status).toBe(400);
    expect(fieldsOf(url.json)).toEqual(['endpointPath']);
  });

  it('malformed JSON, a non-object body, a non-numeric id, an unknown id, a wrong method', async () => {
    expect((await admin.call('POST', '/tools', '{"name":')).status).toBe(400);
    expect((await admin.call('POST', '/tools', '[]')).status).toBe(400);
    for (const path of ['/tools/abc', '/tools/api/abc', '/tools/1.5', '/tools/-1']) {
      const res = await admin.call('GET', path);
      expect(res.status, path).toBe(400);
      expect(fieldsOf(res.json)).toEqual(['id']);
    }
    expect((await admin.call('GET', '/tools/424242')).status).toBe(404);
    expect((await admin.call('PUT', '/tools/api/424242', { name: 'x' })).status).toBe(404);
    const wrong = await admin.call('PUT', '/tools', { name: 'x' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
  });

  it('a duplicate tool code is 409', async () => {
    const res = await admin.call('POST', '/tools', { ...createIssue, providerCode: 'weather' });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ error: 'conflict', fields: [{ field: 'code' }] });
  });
});

describe('POST /admin/tools/api/batch: all or nothing', () => {
  const count = async () => (await admin.app.store.tools.list()).length;

  it('creates every tool of the list: 201 with the created tools and their ids', async () => {
    const before = await count();
    const res = await admin.call('POST', '/tools/api/batch', [tool('batch-a'), tool('batch-b', { providerCode: undefined, providerId: githubId })]);
    expect(res.status, res.text).toBe(201);
    expect(res.json.map((t: { code: string }) => t.code)).toEqual(['batch-a', 'batch-b']);
    expect(res.json.every((t: { id: unknown }) => typeof t.id === 'number')).toBe(true);
    expect(res.json[1].providerCode).toBe('github');
    expect(await count()).toBe(before + 2);
    expect(admin.app.registry.current().entries.has('batch-b')).toBe(true);
  });

  it('one invalid tool rejects the whole list, naming its index and field', async () => {
    const before = await count();
    const res = await admin.call('POST', '/tools/api/batch', [tool('batch-c'), tool('batch-d', { httpMethod: 'FETCH' }), tool('batch-e', { code: 'no good' })]);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(expect.arrayContaining(['[1].httpMethod', '[2].code']));
    expect(await count()).toBe(before);
    expect(await admin.app.store.tools.findByCode('batch-c')).toBeUndefined();
  });

  it('a tool naming a missing provider rejects the whole list', async () => {
    const before = await count();
    const res = await admin.call('POST', '/tools/api/batch', [tool('batch-f'), tool('batch-g', { providerCode: 'ghost' })]);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['[1].providerCode']);
    expect(await count()).toBe(before);
    expect(admin.app.registry.current().entries.has('batch-f')).toBe(false);
  });

  it('a rule that spans fields (path placeholder) rejects the whole list', async () => {
    const before = await count();
    const res = await admin.call('POST', '/tools/api/batch', [tool('batch-h'), tool('batch-i', { endpointPath: '/x/{id}' })]);
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['[1].endpointPath']);
    expect(await count()).toBe(before);
  });

  it('a duplicate code, within the list or with a stored tool, is 409 and nothing is written', async () => {
    const before = await count();
    const inList = await admin.call('POST', '/tools/api/batch', [tool('batch-j'), tool('batch-j')]);
    expect(inList.status).toBe(409);
    expect(fieldsOf(inList.json)).toEqual(['[1].code']);
    const stored = await admin.call('POST', '/tools/api/batch', [tool('batch-k'), tool('batch-a')]);
    expect(stored.status).toBe(409);
    expect(await count()).toBe(before);
    expect(await admin.app.store.tools.findByCode('batch-j')).toBeUndefined();
    expect(await admin.app.store.tools.findByCode('batch-k')).toBeUndefined();
  });

  it('a body that is not a list, or an empty list, is 400; GET is 405', async () => {
    for (const body of ['{"name":"x"}', '[]', '"tools"']) {
      const res = await admin.call('POST', '/tools/api/batch', body);
      expect(res.status, body).toBe(400);
      expect(fieldsOf(res.json)).toEqual(['(body)']);
    }
    const get = await admin.call('GET', '/tools/api/batch');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('HandsAI-style { "tools": [...] } is accepted too', async () => {
    const res = await admin.call('POST', '/tools/api/batch', { tools: [tool('batch-l')] });
    expect(res.status).toBe(201);
    expect(res.json[0].code).toBe('batch-l');
  });

  it('no answer carried the provider secret', () => {
    expect(admin.bodies.some((b) => b.includes('ghp_toolsTestSecret123'))).toBe(false);
  });
});
