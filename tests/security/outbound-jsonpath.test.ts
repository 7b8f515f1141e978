import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { checkExtractionPath } from '../../src/core/extraction-path.js';
import { extractToken, parseAnswer, TokenFetchError } from '../../src/outbound/dynamic-auth/index.js';
import { connect, makeApp, textOf } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * Issue 10 (Low): JSONPath token extraction bounded. `$..*..*..*` on a nested token answer held the
 * event loop for 22 s. Paths that multiply the work are refused, searching paths run only on small
 * answers, and evaluation stops at the first match. No timing assertions: the tests assert the
 * refusal itself, which is what makes the call return promptly.
 */

/** `{"a":{"a":…{"access_token":"…"}}}`, `depth` levels, each with `width` siblings. */
function nested(depth: number, width: number): unknown {
  let node: Record<string, unknown> = { access_token: 'deep-token' };
  for (let level = 0; level < depth; level++) {
    const next: Record<string, unknown> = { a: node };
    for (let i = 1; i < width; i++) next[`s${i}`] = { x: [1, 2, 3], y: 'filler' };
    node = next;
  }
  return node;
}

describe('checkExtractionPath (for provider create/update and import)', () => {
  const refused: Array<[string, RegExp]> = [
    ['$..*..*..*', /recursive descent \(\.\.\) 3 times; at most 1/],
    ['$..a..b', /recursive descent \(\.\.\) 2 times/],
    ['$..*^', /parent operator/],
    ['$..*^.*^.*', /parent operator/],
    ['$[?(@.token)]', /filter or script/],
    ['$[(@.length-1)]', /filter or script/],
    ['$.a[*][*][*][*]', /4 wildcards, slices and union members; at most 3/],
    ['$[*,*,*,*]', /4 wildcards/],
    ['$..[0:9][*][*][*]', /wildcards/],
    [`$.${'a.'.repeat(200)}token`, /more than 256/],
    ['data..token', /not a valid dotted path/],
  ];
  it.each(refused)('refuses %s, naming the field and the fix', (path, reason) => {
    const message = checkExtractionPath(path);
    expect(message).toMatch(reason);
    expect(message).toMatch(/^dynamicAuthTokenExtractionPath is refused: /);
    expect(message).toMatch(/Use a direct path like \$\.access_token/);
  });

  const accepted = [
    '',
    '   ',
    '$',
    '$.access_token',
    '$..access_token',
    '$.data.token',
    '$.items[0].token',
    "$['access-token']",
    '$..*',
    '$.tokens[*].value',
    '$.a[*].b[*].c',
    '$.a[0:2]',
    'accessJwt',
    'data.token',
    'items[0].token',
  ];
  it.each(accepted)('accepts %j', (path) => {
    expect(checkExtractionPath(path)).toBeNull();
  });
  it('accepts no path at all', () => {
    expect(checkExtractionPath(null)).toBeNull();
    expect(checkExtractionPath(undefined)).toBeNull();
  });
});

describe('extraction on hostile answers', () => {
  const answer = (json: unknown) => parseAnswer(JSON.stringify(json), 'application/json');

  it('refuses a searching path on an answer nested deeper than 64 (it used to overflow the stack or hang)', () => {
    const text = `${'{"a":'.repeat(20_000)}{"access_token":"t"}${'}'.repeat(20_000)}`;
    const attempt = () => extractToken('deep', parseAnswer(text, 'application/json'), '$..access_token');
    expect(attempt).toThrow(TokenFetchError);
    expect(attempt).toThrow(/nested more than 64 deep, too large for a path that searches/);
  });

  it('refuses a searching path on an answer of more than 10,000 values, while a direct path still works on it', () => {
    const big = { access_token: 'direct-token', filler: Array.from({ length: 20_000 }, (_, i) => ({ i })) };
    expect(() => extractToken('big', answer(big), '$..access_token')).toThrow(/more than 10000 values/);
    expect(() => extractToken('big', answer(big), '$.filler[*].nothing')).toThrow(/more than 10000 values/);
    expect(extractToken('big', answer(big), '$.access_token')).toBe('direct-token');
    expect(extractToken('big', answer(big), 'access_token')).toBe('direct-token');
  });

  it('a searching path on a small answer takes the first match, as before', () => {
    const small = { data: { session: { token: 'inner' } }, list: [{ token: 'first' }, { token: 'second' }] };
    expect(extractToken('s', answer(small), '$..token')).toBe('inner');
    expect(extractToken('s', answer(small), '$.list[*].token')).toBe('first');
    expect(extractToken('s', answer({ a: 1 }), '$..*')).toBe('1');
  });

  it('a refused path is an extract-step error even when the answer is tiny', () => {
    const attempt = () => extractToken('tiny', answer({ access_token: 'x' }), '$..*..*..*');
    expect(attempt).toThrow(TokenFetchError);
    expect(attempt).toThrow(/Could not obtain a token for provider "tiny": dynamicAuthTokenExtractionPath is refused: .*recursive descent/);
  });
});

describe('through a tool call', () => {
  let tokens: Upstream;
  let api: Upstream;
  let app: App;
  let client: Client;
  let answer: unknown = { access_token: 'ok-token' };

  beforeAll(async () => {
    tokens = await startUpstream((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
    api = await startUpstream();
    app = await makeApp();
    client = await connect(app);
  });
  afterEach(() => {
    tokens.requests.length = 0;
    api.requests.length = 0;
  });
  afterAll(async () => {
    await client.close();
    await app.close();
    await tokens.close();
    await api.close();
  });

  /**
   * A provider whose stored path is `path`. Written through the store, as a database from before the
   * validation holds it (the catalog may refuse such a path on create/update).
   */
  async function providerWithPath(code: string, path: string): Promise<void> {
    const created = await app.catalog.createProvider({
      name: code,
      code,
      baseUrl: api.url,
      authenticationType: 'BEARER_TOKEN',
      isDynamicAuth: true,
      dynamicAuthUrl: `${tokens.url}/token`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayload: JSON.stringify({ user: 'me', password: 'pw-jsonpath-1' }),
      dynamicAuthTokenExtractionPath: '$.access_token',
    });
    const { id, createdAt: _c, updatedAt: _u, ...record } = created as unknown as Record<string, unknown> & { id: number };
    await app.store.providers.update(id, { ...record, dynamicAuthTokenExtractionPath: path } as never);
    await app.catalog.createTool({ name: code, code: `${code}-call`, providerCode: code, endpointPath: '/me', httpMethod: 'GET' });
    await app.registry.refresh();
  }

  it('$..*..*..* against a token endpoint answering deeply nested JSON: a clear isError, and the endpoint is not even asked', async () => {
    answer = nested(200, 6);
    await providerWithPath('nest', '$..*..*..*');
    const result = await client.callTool({ name: 'nest-call', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /token for provider "nest": dynamicAuthTokenExtractionPath is refused: "\$\.\.\*\.\.\*\.\.\*" uses recursive descent \(\.\.\) 3 times/,
    );
    expect(textOf(result)).not.toContain('pw-jsonpath-1');
    expect(tokens.requests).toHaveLength(0);
    expect(api.requests).toHaveLength(0);
    // The server is still serving: another call answers at once.
    expect((await client.callTool({ name: 'nest-call', arguments: {} })).isError).toBe(true);
  });

  it('an allowed searching path on a huge nested answer: refused by the answer budget, not evaluated', async () => {
    answer = nested(200, 60);
    await providerWithPath('huge', '$..access_token');
    const result = await client.callTool({ name: 'huge-call', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/token for provider "huge": the answer has more than 10000 values, too large for a path that searches/);
    expect(tokens.requests).toHaveLength(1);
    expect(api.requests).toHaveLength(0);
  });

  it('the same searching path on an ordinary answer works end to end', async () => {
    answer = { data: { session: { access_token: 'found-by-search' } } };
    await providerWithPath('plain', '$..access_token');
    const result = await client.callTool({ name: 'plain-call', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(api.requests[0]?.headers.authorization).toBe('Bearer found-by-search');
  });
});
