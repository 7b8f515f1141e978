import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenManager, describeInjection, maskToken, probeToken } from '../../src/outbound/dynamic-auth/index.js';
import { closedPort, json, jwt, provider, startTokenServer, text, type TokenServer } from './token-server.js';

let server: TokenServer;
beforeAll(async () => {
  server = await startTokenServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const START = 1_700_000_000_000;
const options = { timeoutMs: 5000, defaultTtlMs: 600_000, now: () => START };

describe('probeToken', () => {
  it('reports a masked preview, the lifetime from expires_in and where the token goes', async () => {
    server.reply((_req, res) => json(res, 200, { access_token: 'abcdEFGHIJKLmnopQRyz', expires_in: 3600 }));
    const result = await probeToken(provider({ dynamicAuthUrl: `${server.origin}/t` }), options);
    expect(result).toEqual({
      ok: true,
      preview: `abcd${'*'.repeat(14)}yz`,
      lifetimeSeconds: 3600,
      lifetimeSource: 'expires_in',
      injection: 'header Authorization: Bearer …',
    });
    expect(JSON.stringify(result)).not.toContain('EFGHIJKL');
  });

  it('reads the lifetime from a JWT exp, else the default', async () => {
    const token = jwt({ exp: START / 1000 + 900 });
    server.reply((_req, res) => json(res, 200, { accessJwt: token }));
    const p = provider({ dynamicAuthUrl: `${server.origin}/t`, dynamicAuthTokenExtractionPath: 'accessJwt' });
    expect(await probeToken(p, options)).toMatchObject({ ok: true, lifetimeSeconds: 900, lifetimeSource: 'jwt-exp' });
    server.reply((_req, res) => text(res, 200, 'opaque-session-token'));
    const bare = provider({ dynamicAuthUrl: `${server.origin}/t`, dynamicAuthTokenExtractionPath: null });
    expect(await probeToken(bare, options)).toMatchObject({ ok: true, lifetimeSeconds: 600, lifetimeSource: 'default' });
  });

  it('never uses or fills a cache: each probe fetches', async () => {
    const p = provider({ dynamicAuthUrl: `${server.origin}/t` });
    const manager = createTokenManager({ timeoutMs: 5000, defaultTtlMs: 600_000 });
    await manager.getToken(p);
    await probeToken(p, options);
    await probeToken(p, options);
    expect(server.requests).toHaveLength(3);
    expect(await manager.getToken(p)).toBe('tok-1');
  });

  interface FailureCase {
    step: 'request' | 'status' | 'parse' | 'extract';
    url: () => Promise<string>;
    arrange: () => void;
    cause: string;
  }
  const local = async (): Promise<string> => `${server.origin}/t`;
  const cases: FailureCase[] = [
    { step: 'request', url: async () => `http://127.0.0.1:${await closedPort()}/t`, arrange: () => undefined, cause: 'connection refused' },
    { step: 'status', url: local, arrange: () => server.reply((_q, r) => json(r, 401, {})), cause: 'answered 401 Unauthorized' },
    { step: 'parse', url: local, arrange: () => server.reply((_q, r) => text(r, 200, '<html>')), cause: 'not valid JSON' },
    { step: 'extract', url: local, arrange: () => server.reply((_q, r) => json(r, 200, { token: 'x' })), cause: 'matched nothing' },
  ];
  it.each(cases)('reports a failed $step step', async ({ step, url, arrange, cause }) => {
    arrange();
    const result = await probeToken(provider({ code: 'acme', dynamicAuthUrl: await url(), dynamicAuthPayload: '{"secret":"canary-probe"}' }), options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.step).toBe(step);
    expect(result.message).toContain('provider "acme"');
    expect(result.message).toContain(cause);
    expect(result.message).not.toContain('canary');
  });
});

describe('maskToken', () => {
  it.each([
    ['abcdefghijkl', 'abcd******kl'],
    ['abcdefghijk', '***********'],
    ['short', '*****'],
    ['a'.repeat(4) + 'x'.repeat(500) + 'zz', 'aaaa' + '*'.repeat(16) + 'zz'],
  ])('%s → %s', (token, expected) => {
    expect(maskToken(token)).toBe(expected);
  });
});

describe('describeInjection', () => {
  it.each([
    [{ authenticationType: 'BEARER_TOKEN' }, 'header Authorization: Bearer …'],
    [{ authenticationType: 'NONE', apiKeyLocation: 'NONE', apiKeyName: null }, 'header Authorization: Bearer …'],
    [{ authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: 'X-Session' }, 'header X-Session'],
    [{ authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: null }, 'header X-API-Key'],
    [{ authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'token' }, 'query parameter token'],
    [{ authenticationType: 'API_KEY', apiKeyLocation: 'IN_BODY', apiKeyName: 'api_key' }, 'body field api_key (query for GET/DELETE)'],
  ] as const)('%j → %s', (fields, expected) => {
    expect(describeInjection(provider(fields))).toBe(expected);
  });
});
