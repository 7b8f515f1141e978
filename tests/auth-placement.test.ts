import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../src/app.js';
import { connect, makeApp } from './helpers/app.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/** Every credential placement, proven by what a real upstream received. */
let upstream: Upstream;
let app: App;
let client: Client;

async function provider(code: string, auth: Record<string, unknown>) {
  await app.catalog.createProvider({ name: code, code, baseUrl: `${upstream.url}/api`, ...auth });
}

async function tool(code: string, providerCode: string, httpMethod: string, extra: Record<string, unknown> = {}) {
  await app.catalog.createTool({
    name: code,
    code,
    providerCode,
    endpointPath: '/things',
    httpMethod,
    parameters: [{ name: 'q', type: 'STRING', required: false }],
    ...extra,
  });
}

async function call(code: string, args: Record<string, unknown> = {}) {
  const before = upstream.requests.length;
  const result = await client.callTool({ name: code, arguments: args });
  expect(result.isError, JSON.stringify(result)).toBeFalsy();
  expect(upstream.requests.length).toBe(before + 1);
  return upstream.requests.at(-1)!;
}

beforeAll(async () => {
  upstream = await startUpstream();
  app = await makeApp();
  client = await connect(app);
});

afterAll(async () => {
  await client.close();
  await app.close();
  await upstream.close();
});

describe('credential placement', () => {
  it('NONE sends no credential', async () => {
    await provider('none', {});
    await tool('none-get', 'none', 'GET');
    const req = await call('none-get', { q: 'x' });
    expect(req.headers.authorization).toBeUndefined();
    expect(req.path).toBe('/api/things');
    expect(req.query.get('q')).toBe('x');
  });

  it('API_KEY in a header uses apiKeyName', async () => {
    await provider('hdr', { authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: 'X-Goog-Api-Key', apiKeyValue: 'hdr-secret-1' });
    await tool('hdr-get', 'hdr', 'GET');
    const req = await call('hdr-get');
    expect(req.headers['x-goog-api-key']).toBe('hdr-secret-1');
  });

  it('API_KEY in the query, for GET and for POST without copying body fields into the query', async () => {
    await provider('qry', { authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'key', apiKeyValue: 'q&secret=1' });
    await tool('qry-get', 'qry', 'GET');
    await tool('qry-post', 'qry', 'POST');
    const get = await call('qry-get', { q: 'a b' });
    expect(get.query.get('key')).toBe('q&secret=1');
    expect(get.query.get('q')).toBe('a b');
    const post = await call('qry-post', { q: 'in body' });
    expect([...post.query.keys()]).toEqual(['key']);
    expect(post.query.get('key')).toBe('q&secret=1');
    expect(post.json).toEqual({ q: 'in body' });
  });

  it('API_KEY in the body for POST, and in the query for GET and DELETE', async () => {
    await provider('body', { authenticationType: 'API_KEY', apiKeyLocation: 'IN_BODY', apiKeyName: 'api_key', apiKeyValue: 'tvly-secret' });
    await tool('body-post', 'body', 'POST');
    await tool('body-get', 'body', 'GET');
    await tool('body-del', 'body', 'DELETE');
    const post = await call('body-post', { q: 'search' });
    expect(post.json).toEqual({ q: 'search', api_key: 'tvly-secret' });
    expect(post.headers['content-type']).toBe('application/json');
    expect((await call('body-get')).query.get('api_key')).toBe('tvly-secret');
    expect((await call('body-del')).query.get('api_key')).toBe('tvly-secret');
  });

  it('BEARER_TOKEN adds the prefix once', async () => {
    await provider('bearer', { authenticationType: 'BEARER_TOKEN', apiKeyValue: 'ghp_abc' });
    await provider('bearer2', { authenticationType: 'BEARER_TOKEN', apiKeyValue: 'Bearer ghp_def' });
    await tool('bearer-get', 'bearer', 'GET');
    await tool('bearer2-get', 'bearer2', 'GET');
    expect((await call('bearer-get')).headers.authorization).toBe('Bearer ghp_abc');
    expect((await call('bearer2-get')).headers.authorization).toBe('Bearer ghp_def');
  });

  it('BASIC_AUTH encodes user:pass and sends an encoded value as is', async () => {
    await provider('basic', { authenticationType: 'BASIC_AUTH', apiKeyValue: 'alice:s3cret' });
    await provider('basic64', { authenticationType: 'BASIC_AUTH', apiKeyValue: 'dXNlcm5hbWU6cGFzc3dvcmQ=' });
    await tool('basic-get', 'basic', 'GET');
    await tool('basic64-get', 'basic64', 'GET');
    expect((await call('basic-get')).headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect((await call('basic64-get')).headers.authorization).toBe('Basic dXNlcm5hbWU6cGFzc3dvcmQ=');
  });

  it('sends customHeaders on every call', async () => {
    await provider('custom', { customHeaders: { Accept: 'application/vnd.github+json', 'X-Api-Version': '2022-11-28' } });
    await tool('custom-get', 'custom', 'GET');
    const req = await call('custom-get');
    expect(req.headers.accept).toBe('application/vnd.github+json');
    expect(req.headers['x-api-version']).toBe('2022-11-28');
  });

  it('does not send a header that still holds an import placeholder', async () => {
    await provider('placeholder', { customHeaders: { Accept: 'application/json', 'X-Api-Key': '<YOUR_API_KEY>' } });
    await tool('placeholder-get', 'placeholder', 'GET');
    const req = await call('placeholder-get');
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers['x-api-key']).toBeUndefined();
  });

  it('an argument can never override an injected credential', async () => {
    await provider('guard', { authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'key', apiKeyValue: 'real-key' });
    await app.catalog.createTool({
      name: 'guard',
      code: 'guard-get',
      providerCode: 'guard',
      endpointPath: '/things',
      httpMethod: 'GET',
      parameters: [{ name: 'key', type: 'STRING' }],
    });
    await provider('guard-h', { authenticationType: 'BEARER_TOKEN', apiKeyValue: 'real-token' });
    await app.catalog.createTool({
      name: 'guard-h',
      code: 'guard-h-get',
      providerCode: 'guard-h',
      endpointPath: '/things',
      httpMethod: 'GET',
      parameters: [{ name: 'Authorization', type: 'STRING', location: 'HEADER' }],
    });
    await provider('guard-b', { authenticationType: 'API_KEY', apiKeyLocation: 'IN_BODY', apiKeyName: 'api_key', apiKeyValue: 'real-body-key' });
    await tool('guard-b-post', 'guard-b', 'POST', { parameters: [{ name: 'api_key', type: 'STRING' }] });
    expect((await call('guard-get', { key: 'attacker' })).query.getAll('key')).toEqual(['real-key']);
    expect((await call('guard-h-get', { Authorization: 'Bearer attacker' })).headers.authorization).toBe('Bearer real-token');
    expect((await call('guard-b-post', { api_key: 'attacker' })).json).toEqual({ api_key: 'real-body-key' });
  });
});
