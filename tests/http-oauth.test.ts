import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { tempDir, testEnv } from './helpers/app.js';
import { startServer, type RunningServer } from './helpers/http-server.js';

/** Remote agents with OAuth: JWTs from the configured issuer are accepted beside the static token. */
let issuerServer: Server;
let issuer: string;
let server: RunningServer;
let privateKey: CryptoKey;
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'oauth', version: '1' } },
};

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  issuerServer = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    } else if (req.url === '/keys') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  server = await startServer([], testEnv(tempDir(), { TOOLWIRE_OAUTH_ISSUER: issuer, TOOLWIRE_OAUTH_AUDIENCE: 'toolwire-test' }));
});

afterAll(async () => {
  await server.stop();
  await new Promise((resolve) => issuerServer.close(resolve));
});

const sign = (claims: { aud?: string; iss?: string; exp?: number }) =>
  new SignJWT({ sub: 'agent-1' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(claims.iss ?? issuer)
    .setAudience(claims.aud ?? 'toolwire-test')
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(privateKey);

const callMcp = (token: string) =>
  fetch(server.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initialize),
  });

describe('OAuth client tokens', () => {
  it('accepts a valid JWT from the issuer and still the static token', async () => {
    expect((await callMcp(await sign({}))).status).toBe(200);
    expect((await callMcp(server.token)).status).toBe(200);
  });

  it('refuses a JWT for another audience, from another issuer, or expired, pointing at the resource metadata', async () => {
    for (const token of [
      await sign({ aud: 'someone-else' }),
      await sign({ iss: 'http://127.0.0.1:1' }),
      await sign({ exp: Math.floor(Date.now() / 1000) - 60 }),
    ]) {
      const res = await callMcp(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('resource_metadata="');
    }
  });

  it('serves the protected-resource metadata', async () => {
    const res = await fetch(server.url.replace('/mcp', '/.well-known/oauth-protected-resource'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ resource: server.url, authorization_servers: [issuer], bearer_methods_supported: ['header'] });
  });

  it('keeps the admin API on the static token only', async () => {
    const res = await fetch(server.url.replace('/mcp', '/admin/providers'), { headers: { authorization: `Bearer ${await sign({})}` } });
    expect(res.status).toBe(401);
  });
});
