import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { connect, makeApp, textOf } from '../helpers/app.js';
import { echo, startUpstream, type Recorded, type Upstream } from '../helpers/upstream.js';

/**
 * SPEC §15 redirects: a 3xx from an API is followed only within its origin (scheme, host, port), up
 * to 5 hops, credentials kept; to another origin it is an isError naming the target, and that origin
 * receives nothing — above all no credential.
 */

const API_KEY = 'redirect-key-8e41c2d7';
const BEARER = 'redirect-bearer-3f9a6b10';

let api: Upstream;
/** Another origin (another port on the same host): it must never receive anything. */
let elsewhere: Upstream;
let app: App;
let client: Client;

function redirect(res: Parameters<Parameters<typeof startUpstream>[0] & object>[1], status: number, location: string): void {
  res.writeHead(status, { location, 'content-type': 'text/plain' }).end(`see ${location}`);
}

beforeAll(async () => {
  elsewhere = await startUpstream();
  api = await startUpstream((req: Recorded, res) => {
    const loop = /^\/loop\/(\d+)$/.exec(req.path);
    if (loop) return redirect(res, 302, `/loop/${Number(loop[1]) + 1}`);
    const hops = /^\/hops\/(\d+)$/.exec(req.path);
    if (hops) return Number(hops[1]) > 0 ? redirect(res, 302, `/hops/${Number(hops[1]) - 1}`) : echo(req, res);
    switch (req.path) {
      case '/moved':
        return redirect(res, 302, '/final?page=2');
      case '/absolute':
        return redirect(res, 301, `${api.url}/final`);
      case '/post-307':
        return redirect(res, 307, '/landing');
      case '/post-308':
        return redirect(res, 308, '/landing');
      case '/post-303':
        return redirect(res, 303, '/landing');
      case '/post-302':
        return redirect(res, 302, '/landing');
      case '/away':
        return redirect(res, 302, `${elsewhere.url}/steal?from=api`);
      case '/away-later':
        return redirect(res, 302, '/away');
      case '/to-https':
        return redirect(res, 308, `https://127.0.0.1:${api.port}/final`);
      case '/no-location':
        return void res.writeHead(302).end('nowhere');
      default:
        return echo(req, res);
    }
  });
  app = await makeApp();
  await app.catalog.createProvider({
    name: 'Redirecting API',
    code: 'redir',
    baseUrl: api.url,
    authenticationType: 'API_KEY',
    apiKeyLocation: 'HEADER',
    apiKeyName: 'X-Api-Key',
    apiKeyValue: API_KEY,
    customHeaders: { Authorization: `Bearer ${BEARER}` },
  });
  const tool = async (code: string, endpointPath: string, httpMethod = 'GET') =>
    await app.catalog.createTool({
      name: code,
      code,
      providerCode: 'redir',
      endpointPath,
      httpMethod,
      parameters: httpMethod === 'POST' ? [{ name: 'note', type: 'STRING', required: false }] : [],
    });
  await tool('moved', '/moved');
  await tool('absolute', '/absolute');
  await tool('post-307', '/post-307', 'POST');
  await tool('post-308', '/post-308', 'POST');
  await tool('post-303', '/post-303', 'POST');
  await tool('post-302', '/post-302', 'POST');
  await tool('away', '/away');
  await tool('away-later', '/away-later');
  await tool('to-https', '/to-https');
  await tool('no-location', '/no-location');
  await tool('loop', '/loop/0');
  await tool('five', '/hops/5');
  await tool('six', '/hops/6');
  await app.catalog.createProvider({
    name: 'Query key',
    code: 'qkey',
    baseUrl: api.url,
    authenticationType: 'API_KEY',
    apiKeyLocation: 'QUERY_PARAMETER',
    apiKeyName: 'key',
    apiKeyValue: API_KEY,
  });
  await app.catalog.createTool({ name: 'q-moved', code: 'q-moved', providerCode: 'qkey', endpointPath: '/moved' });
  await app.catalog.createTool({ name: 'q-away', code: 'q-away', providerCode: 'qkey', endpointPath: '/away' });
  client = await connect(app);
});

afterEach(() => {
  api.requests.length = 0;
  elsewhere.requests.length = 0;
});

afterAll(async () => {
  await client.close();
  await app.close();
  await api.close();
  await elsewhere.close();
});

const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });
const paths = () => api.requests.map((r) => `${r.method} ${r.url}`);

describe('same-origin redirects are followed with the credentials', () => {
  it('a relative 302 is followed, query included, every credential header kept', async () => {
    const result = await call('moved');
    expect(result.isError).toBeFalsy();
    expect(paths()).toEqual(['GET /moved', 'GET /final?page=2']);
    const final = api.requests[1] as Recorded;
    expect(final.headers['x-api-key']).toBe(API_KEY);
    expect(final.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect((result.structuredContent as { path: string }).path).toBe('/final');
  });

  it('a key in the query string is sent again to the same origin (a Location rarely repeats it), never elsewhere', async () => {
    const result = await call('q-moved');
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(paths()).toEqual([`GET /moved?key=${API_KEY}`, `GET /final?page=2&key=${API_KEY}`]);
    const away = await call('q-away');
    expect(away.isError).toBe(true);
    expect(elsewhere.requests).toEqual([]);
  });

  it('an absolute 301 to the same origin is followed', async () => {
    const result = await call('absolute');
    expect(result.isError).toBeFalsy();
    expect(paths()).toEqual(['GET /absolute', 'GET /final']);
  });

  it('307 and 308 repeat the method and the body', async () => {
    for (const name of ['post-307', 'post-308']) {
      api.requests.length = 0;
      const result = await call(name, { note: 'keep me' });
      expect(result.isError, name).toBeFalsy();
      expect(paths()).toEqual([`POST /${name}`, 'POST /landing']);
      expect(api.requests[1]?.json).toEqual({ note: 'keep me' });
      expect(api.requests[1]?.headers['content-type']).toBe('application/json');
      expect(api.requests[1]?.headers['x-api-key']).toBe(API_KEY);
    }
  });

  it('303, and 302 after a POST, go on as a GET without the body (fetch rules)', async () => {
    for (const name of ['post-303', 'post-302']) {
      api.requests.length = 0;
      const result = await call(name, { note: 'dropped' });
      expect(result.isError, name).toBeFalsy();
      expect(paths()).toEqual([`POST /${name}`, 'GET /landing']);
      expect(api.requests[1]?.body).toBe('');
      expect(api.requests[1]?.headers['content-type']).toBeUndefined();
      expect(api.requests[1]?.headers['x-api-key']).toBe(API_KEY);
    }
  });

  it('up to 5 hops are followed', async () => {
    const result = await call('five');
    expect(result.isError).toBeFalsy();
    expect(api.requests).toHaveLength(6);
  });

  it('a 6th hop is an isError, and the loop stops there', async () => {
    for (const name of ['six', 'loop']) {
      api.requests.length = 0;
      const result = await call(name);
      expect(result.isError, name).toBe(true);
      expect(textOf(result)).toMatch(/redirected more than 5 times/);
      expect(api.requests).toHaveLength(6);
    }
  });

  it('a 3xx without a Location is the answer, as an error with its status', async () => {
    const result = await call('no-location');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/answered 302/);
  });
});

describe('cross-origin redirects are never followed', () => {
  it('a redirect to another port is an isError naming the target origin; that origin receives nothing', async () => {
    const result = await call('away');
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain(elsewhere.url);
    expect(text).toMatch(/another origin/);
    expect(text).not.toContain('/steal'); // the origin only: a path or query could carry secrets
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(BEARER);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('also after a same-origin hop', async () => {
    const result = await call('away-later');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(elsewhere.url);
    expect(paths()).toEqual(['GET /away-later', 'GET /away']);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('a change of scheme (http → https on the same host and port) is another origin', async () => {
    const result = await call('to-https');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`https://127.0.0.1:${api.port}`);
    expect(paths()).toEqual(['GET /to-https']);
  });
});
