import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../src/app.js';
import { connect, makeApp, textOf } from './helpers/app.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/** What agents get back: mapped answers, clear failures, and a server that keeps serving. */
let upstream: Upstream;
let app: App;
let client: Client;
const SECRET = 'sk-canary-7f3a9d';

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const route = req.path.replace('/api', '');
    switch (route) {
      case '/json':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, n: 1 }));
      case '/array':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('[1,2]');
      case '/text':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
      case '/image':
        return void res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      case '/notfound':
        return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      case '/boom':
        return void res.writeHead(500, { 'content-type': 'text/plain' }).end('x'.repeat(10_000));
      case '/slow':
        return void setTimeout(() => res.writeHead(200).end('late'), 3_000);
      case '/big':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('y'.repeat(200_000));
      case '/echo-key':
        return void res.writeHead(401, { 'content-type': 'text/plain' }).end(`bad key ${req.query.get('key')} in ${req.url}`);
      case '/echo-ok':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ you_sent: req.query.get('key') }));
      case '/flaky':
        return void res
          .writeHead(upstream.requests.filter((r) => r.path.endsWith('/flaky')).length < 3 ? 503 : 200, { 'content-type': 'application/json' })
          .end('{"done":true}');
      default:
        return void res.writeHead(200).end('');
    }
  });
  app = await makeApp({ TOOLWIRE_TIMEOUT_MS: '500', TOOLWIRE_MAX_RESPONSE_BYTES: '100000' });
  await app.catalog.createProvider({
    name: 'api',
    code: 'api',
    baseUrl: `${upstream.url}/api`,
    authenticationType: 'API_KEY',
    apiKeyLocation: 'QUERY_PARAMETER',
    apiKeyName: 'key',
    apiKeyValue: SECRET,
  });
  for (const route of ['json', 'array', 'text', 'image', 'notfound', 'boom', 'slow', 'big', 'echo-key', 'echo-ok', 'flaky']) {
    await app.catalog.createTool({
      name: route,
      code: route,
      providerCode: 'api',
      endpointPath: `/${route}`,
      httpMethod: 'GET',
      parameters: [{ name: 'n', type: 'INTEGER' }],
    });
  }
  await app.catalog.createTool({ name: 'flaky-post', code: 'flaky-post', providerCode: 'api', endpointPath: '/flaky', httpMethod: 'POST' });
  await app.catalog.createTool({
    name: 'need',
    code: 'need',
    providerCode: 'api',
    endpointPath: '/json',
    httpMethod: 'GET',
    parameters: [
      { name: 'owner', type: 'STRING', required: true },
      { name: 'limit', type: 'NUMBER' },
    ],
  });
  await app.catalog.createProvider({ name: 'down', code: 'down', baseUrl: 'http://127.0.0.1:1' });
  await app.catalog.createTool({ name: 'down', code: 'down-get', providerCode: 'down', endpointPath: '/x', httpMethod: 'GET' });
  client = await connect(app);
});

afterAll(async () => {
  await client.close();
  await app.close();
  await upstream.close();
});

describe('answers', () => {
  it('JSON object → text plus structuredContent', async () => {
    const result = await client.callTool({ name: 'json' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ ok: true, n: 1 });
    expect(JSON.parse(textOf(result))).toEqual({ ok: true, n: 1 });
  });

  it('JSON array → text only; text → text; image → image content', async () => {
    const array = await client.callTool({ name: 'array' });
    expect(textOf(array)).toBe('[1,2]');
    expect(array.structuredContent).toBeUndefined();
    expect(textOf(await client.callTool({ name: 'text' }))).toBe('plain words');
    const image = await client.callTool({ name: 'image' });
    expect(image.content).toEqual([{ type: 'image', mimeType: 'image/png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64') }]);
  });
});

describe('failures', () => {
  it('non-2xx → isError with the status and a bounded excerpt', async () => {
    const notFound = await client.callTool({ name: 'notfound' });
    expect(notFound.isError).toBe(true);
    expect(textOf(notFound)).toContain('404 Not Found');
    expect(textOf(notFound)).toContain('"message":"Not Found"');
    const boom = await client.callTool({ name: 'boom' });
    expect(boom.isError).toBe(true);
    expect(textOf(boom)).toContain('500');
    expect(textOf(boom).length).toBeLessThan(2_500);
  });

  it('timeout, refused connection and oversized answers → clear isError, and the server keeps serving', async () => {
    const slow = await client.callTool({ name: 'slow' });
    expect(slow.isError).toBe(true);
    expect(textOf(slow)).toMatch(/did not answer within 500 ms/);
    const down = await client.callTool({ name: 'down-get' });
    expect(down.isError).toBe(true);
    expect(textOf(down)).toMatch(/Could not reach the API \(ECONNREFUSED\)/);
    const big = await client.callTool({ name: 'big' });
    expect(big.isError).toBe(true);
    expect(textOf(big)).toMatch(/larger than 100000 bytes/);
    expect((await client.callTool({ name: 'json' })).isError).toBeFalsy();
  });

  it('retries idempotent calls on 503 but never a POST', async () => {
    const before = upstream.requests.length;
    const post = await client.callTool({ name: 'flaky-post' });
    expect(post.isError).toBe(true);
    expect(upstream.requests.length - before).toBe(1);
    const get = await client.callTool({ name: 'flaky' });
    expect(get.isError).toBeFalsy();
    expect(upstream.requests.length - before).toBe(3);
  });

  it('validates arguments before sending: wrong type and missing required name the argument', async () => {
    const before = upstream.requests.length;
    const missing = await client.callTool({ name: 'need', arguments: { limit: 'ten' } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('missing required argument "owner"');
    expect(textOf(missing)).toContain('argument "limit" must be of type number');
    expect(upstream.requests.length).toBe(before);
  });

  it('an unknown tool is a JSON-RPC invalid-params error, not a result', async () => {
    const error = await client.callTool({ name: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
  });
});

describe('secrets in answers', () => {
  it('replaces a credential the upstream echoed back, in errors and in successes', async () => {
    const failed = await client.callTool({ name: 'echo-key' });
    expect(textOf(failed)).not.toContain(SECRET);
    expect(textOf(failed)).toContain('[REDACTED]');
    const ok = await client.callTool({ name: 'echo-ok' });
    expect(JSON.stringify(ok)).not.toContain(SECRET);
    expect(ok.structuredContent).toEqual({ you_sent: '[REDACTED]' });
  });
});
