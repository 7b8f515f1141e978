import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenManager, buildTokenRequest, type TokenFetchError } from '../../src/outbound/dynamic-auth/index.js';
import type { DynamicAuthMethod, DynamicAuthPayloadType } from '../../src/core/model.js';
import { provider, startTokenServer, type Received, type TokenServer } from './token-server.js';

let server: TokenServer;
beforeAll(async () => {
  server = await startTokenServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const manager = () => createTokenManager({ timeoutMs: 5000, defaultTtlMs: 600_000 });
/** Values that break naive encoding: space, &, =, +, %, non-ASCII. */
const PASSWORD = 'p@ss w+rd&x=1%ü';
const PAYLOAD = JSON.stringify({ username: 'alice', password: PASSWORD, remember: true, tries: 3 });
const AS_STRINGS = { username: 'alice', password: PASSWORD, remember: 'true', tries: '3' };

async function received(overrides: Parameters<typeof provider>[0]): Promise<Received> {
  const token = await manager().getToken(provider(overrides));
  expect(token).toBe('tok-1');
  expect(server.requests).toHaveLength(1);
  return server.requests[0]!;
}

function query(req: Received): Record<string, string> {
  return Object.fromEntries(new URL(req.url, 'http://x').searchParams);
}

const METHODS: DynamicAuthMethod[] = ['GET', 'POST'];
const TYPES: DynamicAuthPayloadType[] = ['JSON', 'FORM_DATA'];

describe('token request: method × payload type × location, as the endpoint received it', () => {
  it('POST JSON BODY sends a JSON body with the payload types kept', async () => {
    const req = await received({
      dynamicAuthUrl: `${server.origin}/token`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthPayload: PAYLOAD,
    });
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/token');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ username: 'alice', password: PASSWORD, remember: true, tries: 3 });
  });

  it('POST FORM_DATA BODY sends a form-encoded body of strings', async () => {
    const req = await received({
      dynamicAuthUrl: `${server.origin}/token`,
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'FORM_DATA',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthPayload: PAYLOAD,
    });
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual(AS_STRINGS);
  });

  it.each(TYPES)('GET %s BODY puts the payload in the query string (a GET has no body)', async (type) => {
    const req = await received({
      dynamicAuthUrl: `${server.origin}/token`,
      dynamicAuthMethod: 'GET',
      dynamicAuthPayloadType: type,
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthPayload: PAYLOAD,
    });
    expect(req.method).toBe('GET');
    expect(req.body).toBe('');
    expect(query(req)).toEqual(AS_STRINGS);
  });

  for (const method of METHODS) {
    it.each(TYPES)(`${method} %s QUERY_PARAMETERS appends encoded params to the URL's own query`, async (type) => {
      const req = await received({
        dynamicAuthUrl: `${server.origin}/oauth/token?tenant=acme&v=2`,
        dynamicAuthMethod: method,
        dynamicAuthPayloadType: type,
        dynamicAuthPayloadLocation: 'QUERY_PARAMETERS',
        dynamicAuthPayload: PAYLOAD,
      });
      expect(req.method).toBe(method);
      expect(req.body).toBe('');
      expect(req.url.startsWith('/oauth/token?tenant=acme&v=2&')).toBe(true);
      expect(query(req)).toEqual({ tenant: 'acme', v: '2', ...AS_STRINGS });
      expect(req.url).toContain('password=p%40ss%20w%2Brd%26x%3D1%25%C3%BC');
    });

    it.each(TYPES)(`${method} %s HEADERS sends each payload field as a request header`, async (type) => {
      const req = await received({
        dynamicAuthUrl: `${server.origin}/token`,
        dynamicAuthMethod: method,
        dynamicAuthPayloadType: type,
        dynamicAuthPayloadLocation: 'HEADERS',
        dynamicAuthPayload: JSON.stringify({ 'X-Client-Id': 'cid-1', 'X-Client-Secret': 's3cr3t value', 'X-Tries': 3 }),
      });
      expect(req.method).toBe(method);
      expect(req.url).toBe('/token');
      expect(req.body).toBe('');
      expect(req.headers['x-client-id']).toBe('cid-1');
      expect(req.headers['x-client-secret']).toBe('s3cr3t value');
      expect(req.headers['x-tries']).toBe('3');
    });
  }

  it('defaults to POST, JSON, BODY when method, type and location are null', async () => {
    const req = await received({ dynamicAuthUrl: `${server.origin}/token`, dynamicAuthPayload: '{"user":"u","pass":"p"}' });
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ user: 'u', pass: 'p' });
  });

  it('accepts a form-encoded payload string and sends it as JSON when the type is JSON', async () => {
    const req = await received({
      dynamicAuthUrl: `${server.origin}/token`,
      dynamicAuthPayloadType: 'JSON',
      dynamicAuthPayload: 'grant_type=client_credentials&client_id=abc&client_secret=a%2Bb',
    });
    expect(JSON.parse(req.body)).toEqual({ grant_type: 'client_credentials', client_id: 'abc', client_secret: 'a+b' });
  });

  it('sends no payload fields when the payload is empty', async () => {
    const req = await received({
      dynamicAuthUrl: `${server.origin}/session?x=1`,
      dynamicAuthMethod: 'GET',
      dynamicAuthPayloadLocation: 'QUERY_PARAMETERS',
      dynamicAuthPayload: null,
    });
    expect(req.url).toBe('/session?x=1');
  });
});

describe('buildTokenRequest refuses what cannot be sent', () => {
  const cases: Array<[string, Parameters<typeof provider>[0], string]> = [
    ['no URL', { dynamicAuthUrl: null }, 'dynamicAuthUrl is not set'],
    ['a relative URL', { dynamicAuthUrl: '/token' }, 'dynamicAuthUrl is not a valid absolute URL'],
    ['a non-http URL', { dynamicAuthUrl: 'ftp://host/token' }, 'dynamicAuthUrl is not http(s)'],
    [
      'a bad header name',
      { dynamicAuthUrl: 'http://h/t', dynamicAuthPayloadLocation: 'HEADERS', dynamicAuthPayload: '{"bad name":"canary-hdr-1"}' },
      'key "bad name" is not a valid header name',
    ],
    [
      'a header value with a line break',
      { dynamicAuthUrl: 'http://h/t', dynamicAuthPayloadLocation: 'HEADERS', dynamicAuthPayload: '{"X-A":"canary-hdr-2\\r\\nX-Evil: 1"}' },
      'key "X-A" contains a line break',
    ],
    ['an unreadable payload', { dynamicAuthUrl: 'http://h/t', dynamicAuthPayload: '{"user": canary-hdr-3' }, 'dynamicAuthPayload is not valid JSON'],
  ];
  it.each(cases)('%s', (_name, overrides, expected) => {
    let error: TokenFetchError | undefined;
    try {
      buildTokenRequest(provider(overrides));
    } catch (err) {
      error = err as TokenFetchError;
    }
    expect(error?.code).toBe('AUTH_FETCH');
    expect(error?.step).toBe('request');
    expect(error?.message).toContain('provider "testapi"');
    expect(error?.message).toContain(expected);
    expect(error?.message).not.toMatch(/canary/);
  });
});
