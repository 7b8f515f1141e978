import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenManager, extractToken, parseAnswer, type TokenFetchError } from '../../src/outbound/dynamic-auth/index.js';
import { json, provider, startTokenServer, text, type TokenServer } from './token-server.js';

function extract(body: string, path: string | null, contentType = 'application/json'): string {
  return extractToken('testapi', parseAnswer(body, contentType), path);
}

function failure(body: string, path: string | null, contentType = 'application/json'): TokenFetchError {
  try {
    extract(body, path, contentType);
  } catch (err) {
    return err as TokenFetchError;
  }
  throw new Error('expected the extraction to fail');
}

const ANSWER = JSON.stringify({
  access_token: 'at-1',
  accessJwt: 'jwt-1',
  data: { token: 'dt-1', items: [{ token: 'nested-0' }, { token: 'nested-1' }] },
  items: [{ token: 'it-0' }, { token: 'it-1' }],
  numeric: 123456,
});

describe('token extraction forms', () => {
  it.each([
    ['$.access_token', 'at-1'],
    ['$.data.token', 'dt-1'],
    ['$.items[0].token', 'it-0'],
    ['$.data.items[1].token', 'nested-1'],
    ["$['accessJwt']", 'jwt-1'],
    ['accessJwt', 'jwt-1'],
    ['data.token', 'dt-1'],
    ['.access_token', 'at-1'],
    ['items[1].token', 'it-1'],
    ['data.items.0.token', 'nested-0'],
    ['numeric', '123456'],
    ['  $.access_token  ', 'at-1'],
  ])('path %j → %s', (path, expected) => {
    expect(extract(ANSWER, path)).toBe(expected);
  });

  it('empty or null path takes the whole body, trimmed', () => {
    expect(extract('  raw-token-xyz \n', null, 'text/plain')).toBe('raw-token-xyz');
    expect(extract('raw-token-xyz', '', 'text/plain')).toBe('raw-token-xyz');
    expect(extract('raw-token-xyz', '   ', 'text/plain')).toBe('raw-token-xyz');
  });

  it('empty path with a JSON string literal body takes its value', () => {
    expect(extract(' "quoted-token" ', null)).toBe('quoted-token');
  });

  it('trims a token found by path', () => {
    expect(extract('{"t":"  spaced  "}', 't')).toBe('spaced');
  });
});

describe('extraction failures name the path, never the body', () => {
  const SECRET_ANSWER = JSON.stringify({ other: 'canary-body-5d2e', data: { token: { value: 'canary-body-5d2e' } }, empty: '  ', flag: true });

  it.each([
    ['$.access_token', 'path "$.access_token" matched nothing in the answer (its top-level fields: other, data, empty, flag)'],
    ['data.missing', 'path "data.missing" matched nothing'],
    ['$.items[3].token', 'path "$.items[3].token" matched nothing'],
    ['data.token', 'the value at path "data.token" is an object, not a string token'],
    ['flag', 'the value at path "flag" is a boolean, not a string token'],
    ['empty', 'the value at path "empty" is an empty token'],
    ['a..b', 'path "a..b" is not a valid dotted path'],
  ])('%s', (path, expected) => {
    const error = failure(SECRET_ANSWER, path);
    expect(error.code).toBe('AUTH_FETCH');
    expect(error.step).toBe('extract');
    expect(error.message).toContain('provider "testapi"');
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain('canary');
  });

  it('a path on a body that is not JSON is a parse failure naming the content type', () => {
    const error = failure('<html>canary-body-5d2e</html>', '$.access_token', 'text/html; charset=utf-8');
    expect(error.step).toBe('parse');
    expect(error.message).toContain('the answer is not valid JSON (content type: text/html)');
    expect(error.message).not.toContain('canary');
  });

  it('an empty path on a JSON object answer asks for a path and lists the fields', () => {
    const error = failure('{"access_token":"canary-tok-1","expires_in":60}', null);
    expect(error.step).toBe('extract');
    expect(error.message).toContain('fields: access_token, expires_in');
    expect(error.message).toContain('dynamicAuthTokenExtractionPath is empty');
    expect(error.message).not.toContain('canary');
  });

  it('an empty body is an empty token', () => {
    expect(failure('', null, 'text/plain').message).toContain('the answer is an empty token');
  });
});

describe('extraction through a real token endpoint', () => {
  let server: TokenServer;
  beforeAll(async () => {
    server = await startTokenServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('Bluesky-style createSession: dotted accessJwt', async () => {
    server.reply((_req, res) => json(res, 200, { did: 'did:plc:x', accessJwt: 'bsky-access', refreshJwt: 'bsky-refresh' }));
    const manager = createTokenManager({ timeoutMs: 5000, defaultTtlMs: 600_000 });
    const token = await manager.getToken(
      provider({
        code: 'bluesky',
        dynamicAuthUrl: `${server.origin}/xrpc/createSession`,
        dynamicAuthPayload: '{"identifier":"me","password":"pw"}',
        dynamicAuthTokenExtractionPath: 'accessJwt',
      }),
    );
    expect(token).toBe('bsky-access');
  });

  it('a bare text token with no path', async () => {
    server.reply((_req, res) => text(res, 200, 'plain-session-token\n'));
    const manager = createTokenManager({ timeoutMs: 5000, defaultTtlMs: 600_000 });
    const token = await manager.getToken(provider({ dynamicAuthUrl: `${server.origin}/t`, dynamicAuthTokenExtractionPath: null }));
    expect(token).toBe('plain-session-token');
  });
});
