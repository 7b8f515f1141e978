import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testEnv } from './helpers/app.js';
import { startJwtIssuer, type JwtIssuer } from './helpers/jwt-issuer.js';
import { startServer, type RunningServer } from './helpers/http-server.js';

/** Remote agents with OAuth: JWTs from the configured issuer are accepted beside the static token. */
let issuer: JwtIssuer;
let server: RunningServer;
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'oauth', version: '1' } },
};

beforeAll(async () => {
  issuer = await startJwtIssuer('toolwire-test');
  server = await startServer([], testEnv(tempDir(), { TOOLWIRE_OAUTH_ISSUER: issuer.url, TOOLWIRE_OAUTH_AUDIENCE: 'toolwire-test' }));
});

afterAll(async () => {
  await server.stop();
  await issuer.close();
});

const callMcp = (token: string) =>
  fetch(server.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initialize),
  });

describe('OAuth client tokens', () => {
  it('accepts a valid JWT from the issuer and still the static token', async () => {
    expect((await callMcp(await issuer.sign({}))).status).toBe(200);
    expect((await callMcp(server.token)).status).toBe(200);
  });

  it('refuses a JWT for another audience, from another issuer, expired, or without a subject, pointing at the resource metadata', async () => {
    for (const token of [
      await issuer.sign({ aud: 'someone-else' }),
      await issuer.sign({ iss: 'http://127.0.0.1:1' }),
      await issuer.sign({ exp: Math.floor(Date.now() / 1000) - 60 }),
      await issuer.sign({ sub: null }),
      await issuer.sign({ sub: 'has a space' }),
    ]) {
      const res = await callMcp(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('resource_metadata="');
    }
  });

  it('serves the protected-resource metadata', async () => {
    const res = await fetch(server.url.replace('/mcp', '/.well-known/oauth-protected-resource'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ resource: server.url, authorization_servers: [issuer.url], bearer_methods_supported: ['header'] });
  });

  it('keeps the admin API on the static token only', async () => {
    const res = await fetch(server.url.replace('/mcp', '/admin/providers'), { headers: { authorization: `Bearer ${await issuer.sign({})}` } });
    expect(res.status).toBe(401);
  });
});
