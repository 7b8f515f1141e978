import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../src/app.js';
import { connect, makeApp } from './helpers/app.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/** Every credential placement, proven by what a real upstream received. */
let upstream: Upstream;
let app: App;
let client: Client;

function provider(code: string, auth: Record<string, unknown>) {
  app.catalog.createProvider({ name: code, code, baseUrl: `${upstream.url}/api`, ...auth });
}

function tool(code: string, providerCode: string, httpMethod: string, extra: Record<string, unknown> = {}) {
  app.catalog.createTool({
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
  app = makeApp();
  client = await connect(app);
});

afterAll(async () => {
  await client.close();
  await app.close();
  await upstream.close();
});

describe('credential placement', () => {
  it('NONE sends no credential', async () => {
    provider('none', {});
    tool('none-get', 'none', 'GET');
    const req = await call('none-get', { q: 'x' });
    expect(req.headers.authorization).toBeUndefined();
    expect(req.path).toBe('/api/things');
    expect(req.query.get('q')).toBe('x');
  });

  it('API_KEY in a header uses apiKeyName', async () => {
    provider('hdr', { authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: 'X-Goog-Api-Key', apiKeyValue: 'hdr-secret-1' });
    tool('hdr-get', 'hdr', 'GET');
    const req = await call('hdr-get');
    expect(req.headers['x-goog-api-key']).toBe('hdr-secret-1');
  });

  it('API_KEY in the query, for GET and for POST without copying body fields into the query', async () => {
    provider('qry', { authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'key', apiKeyValue: 'q&secret=1' });
    tool('qry-get', 'qry', 'GET');
    tool('qry-post', 'qry', 'POST');
    const get = await call('qry-get', { q: 'a b' });
    expect(get.query.get('key')).toBe('q&secret=1');
    expect(get.query.get('q')).toBe('a b');
    const post = await call('qry-post', { q: 'in body' });
    expect([...post.query.keys()]).toEqual(['key']);
    expect(post.query.get('key')).toBe('q&secret=1');
    expect(post.json).toEqual({ q: 'in body' });
  });

  it('API_KEY in the body for POST, and in the query for GET and DELETE', async () => {
    provider('body', { authenticationType: 'API_KEY', apiKeyLocation: 'IN_BODY', apiKeyName: 'api_key', apiKeyValue: 'tvly-secret' });
    tool('body-post', 'body', 'POST');
    tool('body-get', 'body', 'GET');
    tool('body-del', 'body', 'DELETE');
    const post = await call('body-post', { q: 'search' });
    expect(post.json).toEqual({ q: 'search', api_key: 'tvly-secret' });
    expect(post.headers['content-type']).toBe('application/json');
    expect((await call('body-get')).query.get('api_key')).toBe('tvly-secret');
    expect((await call('body-del')).query.get('api_key')).toBe('tvly-secret');
  });

  it('BEARER_TOKEN adds the prefix once', async () => {
    provider('bearer', { authenticationType: 'BEARER_TOKEN', apiKeyValue: 'ghp_abc' });
    provider('bearer2', { authenticationType: 'BEARER_TOKEN', apiKeyValue: 'Bearer ghp_def' });
    tool('bearer-get', 'bearer', 'GET');
    tool('bearer2-get', 'bearer2', 'GET');
    expect((await call('bearer-get')).headers.authorization).toBe('Bearer ghp_abc');
    expect((await call('bearer2-get')).headers.authorization).toBe('Bearer ghp_def');
  });

  it('BASIC_AUTH encodes user:pass and sends an encoded value as is', async () => {
    provider('basic', { authenticationType: 'BASIC_AUTH', apiKeyValue: 'alice:s3cret' });
    provider('basic64', { authenticationType: 'BASIC_AUTH', apiKeyValue: 'dXNlcm5hbWU6cGFzc3dvcmQ=' });
    tool('basic-get', 'basic', 'GET');
    tool('basic64-get', 'basic64', 'GET');
    expect((await call('basic-get')).headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect((await call('basic64-get')).headers.authorization).toBe('Basic dXNlcm5hbWU6cGFzc3dvcmQ=');
  });

  it('sends customHeaders on every call', async () => {
    provider('custom', { customHeaders: { Accept: 'application/vnd.github+json', 'X-Api-Version': '2022-11-28' } });
    tool('custom-get', 'custom', 'GET');
    const req = await call('custom-get');
    expect(req.headers.accept).toBe('application/vnd.github+json');
    expect(req.headers['x-api-version']).toBe('2022-11-28');
  });

  it('does not send a header that still holds an import placeholder', async () => {
    provider('placeholder', { customHeaders: { Accept: 'application/json', 'X-Api-Key': '<YOUR_API_KEY>' } });
    tool('placeholder-get', 'placeholder', 'GET');
    const req = await call('placeholder-get');
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers['x-api-key']).toBeUndefined();
  });

  it('an argument can never override an injected credential', async () => {
    provider('guard', { authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'key', apiKeyValue: 'real-key' });
    app.catalog.createTool({
      name: 'guard',
      code: 'guard-get',
      providerCode: 'guard',
      endpointPath: '/things',
      httpMethod: 'GET',
      parameters: [{ name: 'key', type: 'STRING' }],
    });
    provider('guard-h', { authenticationType: 'BEARER_TOKEN', apiKeyValue: 'real-token' });
    app.catalog.createTool({
      name: 'guard-h',
      code: 'guard-h-get',
      providerCode: 'guard-h',
      endpointPath: '/things',
      httpMethod: 'GET',
      parameters: [{ name: 'Authorization', type: 'STRING', location: 'HEADER' }],
    });
    provider('guard-b', { authenticationType: 'API_KEY', apiKeyLocation: 'IN_BODY', apiKeyName: 'api_key', apiKeyValue: 'real-body-key' });
    tool('guard-b-post', 'guard-b', 'POST', { parameters: [{ name: 'api_key', type: 'STRING' }] });
    expect((await call('guard-get', { key: 'attacker' })).query.getAll('key')).toEqual(['real-key']);
    expect((await call('guard-h-get', { Authorization: 'Bearer attacker' })).headers.authorization).toBe('Bearer real-token');
    expect((await call('guard-b-post', { api_key: 'attacker' })).json).toEqual({ api_key: 'real-body-key' });
  });
});
