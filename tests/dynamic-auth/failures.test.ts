import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenManager, type TokenFetchError } from '../../src/outbound/dynamic-auth/index.js';
import type { DynamicAuthPayloadLocation } from '../../src/core/model.js';
import { closedPort, json, provider, startTokenServer, text, type TokenServer } from './token-server.js';

/** Canary credentials: they must never appear in any message, whatever the endpoint echoes back. */
const USER = 'canary-user-7f3a';
const PASSWORD = 'canary-pass-9b1c';
const PAYLOAD = JSON.stringify({ username: USER, password: PASSWORD });
const ECHO_TOKEN = 'canary-token-4e8d';

let server: TokenServer;
let silent: TokenServer;
beforeAll(async () => {
  server = await startTokenServer();
  silent = await startTokenServer();
  silent.reply(() => undefined); // accepts the request and never answers
});
afterAll(async () => {
  await server.close();
  await silent.close();
});
beforeEach(() => server.reset());

const LOCATIONS: DynamicAuthPayloadLocation[] = ['BODY', 'QUERY_PARAMETERS', 'HEADERS'];

async function failureOf(url: string, location: DynamicAuthPayloadLocation, path = '$.access_token', timeoutMs = 5000) {
  const manager = createTokenManager({ timeoutMs, defaultTtlMs: 600_000 });
  const p = provider({
    code: 'bluesky',
    dynamicAuthUrl: url,
    dynamicAuthPayload: PAYLOAD,
    dynamicAuthPayloadLocation: location,
    dynamicAuthTokenExtractionPath: path,
  });
  try {
    await manager.getToken(p);
  } catch (err) {
    return err as TokenFetchError;
  }
  throw new Error('expected getToken to fail');
}

function expectSafe(error: TokenFetchError, cause: string): void {
  expect(error.code).toBe('AUTH_FETCH');
  expect(error.message).toContain('Could not obtain a token for provider "bluesky"');
  expect(error.message).toContain(cause);
  for (const secret of [USER, PASSWORD, ECHO_TOKEN, 'canary']) expect(error.message).not.toContain(secret);
}

/** An endpoint that echoes everything it received: secrets come back in the body. */
function echo(status: number) {
  return () => server.reply((req, res) => json(res, status, { received: req, access: ECHO_TOKEN, error: PASSWORD }));
}

describe.each(LOCATIONS)('token fetch failures with the payload in %s: messages name provider and cause, no secrets', (location) => {
  it('connection refused', async () => {
    const port = await closedPort();
    const error = await failureOf(`http://127.0.0.1:${port}/token?x=1`, location);
    expectSafe(error, 'connection refused');
    expect(error.step).toBe('request');
  });

  it('timeout', async () => {
    const error = await failureOf(`${silent.origin}/token`, location, '$.access_token', 150);
    expectSafe(error, 'the request timed out after 150 ms');
    expect(error.step).toBe('request');
  });

  it('non-2xx that echoes the credentials', async () => {
    echo(403)();
    const error = await failureOf(`${server.origin}/token`, location);
    expectSafe(error, 'the token endpoint answered 403 Forbidden');
    expect(error.message).toContain('Check dynamicAuthPayload (the credentials) and dynamicAuthUrl.');
    expect(error.step).toBe('status');
  });

  it('unparsable JSON that echoes the credentials', async () => {
    server.reply((req, res) => text(res, 200, `<html>${req.url} ${req.body} ${JSON.stringify(req.headers)} ${ECHO_TOKEN}`, 'text/html'));
    const error = await failureOf(`${server.origin}/token`, location);
    expectSafe(error, 'the answer is not valid JSON (content type: text/html)');
    expect(error.step).toBe('parse');
  });

  it('path that matches nothing in an answer echoing the credentials', async () => {
    echo(200)();
    const error = await failureOf(`${server.origin}/token`, location, '$.data.token');
    expectSafe(error, 'path "$.data.token" matched nothing in the answer (its top-level fields: received, access, error)');
    expect(error.step).toBe('extract');
  });

  it('empty token', async () => {
    server.reply((_req, res) => json(res, 200, { access_token: '', note: PASSWORD }));
    const error = await failureOf(`${server.origin}/token`, location);
    expectSafe(error, 'the value at path "$.access_token" is an empty token');
  });
});

describe('status details', () => {
  it('shows a short OAuth error code, which helps the user, but not one that contains a secret', async () => {
    server.reply((_req, res) => json(res, 400, { error: 'invalid_grant', error_description: `bad password ${PASSWORD}` }));
    expectSafe(await failureOf(`${server.origin}/token`, 'BODY'), 'answered 400 Bad Request (error "invalid_grant")');
    server.reply((_req, res) => json(res, 400, { error: `x_${PASSWORD}` }));
    const error = await failureOf(`${server.origin}/token`, 'BODY');
    expectSafe(error, 'answered 400 Bad Request.');
  });

  it('gives a fix by status', async () => {
    server.reply((_req, res) => json(res, 404, {}));
    expectSafe(await failureOf(`${server.origin}/token`, 'BODY'), 'answered 404 Not Found. Check dynamicAuthUrl and dynamicAuthMethod.');
    server.reply((_req, res) => json(res, 502, {}));
    expectSafe(await failureOf(`${server.origin}/token`, 'BODY'), 'answered 502 Bad Gateway. The token endpoint failed on its side');
  });

  it('does not follow a redirect, naming its target without the query', async () => {
    server.reply((_req, res) => {
      res.writeHead(302, { location: `https://login.example.test/oauth/token?password=${PASSWORD}` });
      res.end();
    });
    const error = await failureOf(`${server.origin}/token`, 'HEADERS');
    expectSafe(error, 'answered 302 Found. Redirects are not followed; set dynamicAuthUrl to the final URL (https://login.example.test/oauth/token).');
    expect(server.requests).toHaveLength(1);
  });
});
