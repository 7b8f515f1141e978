import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { initialize, raw, startIssuer, type Issuer } from './inbound-harness.js';

/**
 * M4 (issue 10): client JWTs must be meant for this server (an audience) and must expire. Before the
 * fix, with only TOOLWIRE_OAUTH_ISSUER set, a token the same issuer minted for any other API was
 * accepted here, and a token without `exp` was valid forever.
 */
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(async () => {
  await issuer.close();
});

const callMcp = (url: string, token: string) => raw(url, { body: initialize, headers: { authorization: `Bearer ${token}` } });
const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

describe('M4: JWT audience and expiry, only TOOLWIRE_OAUTH_ISSUER set', () => {
  let server: InProcessServer;
  beforeAll(async () => {
    server = await startInProcess(testEnv(tempDir(), { TOOLWIRE_OAUTH_ISSUER: issuer.url }));
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a JWT the issuer minted for another API (another audience, or none)', async () => {
    for (const aud of ['https://other-api.example.com', 'account', null]) {
      const res = await callMcp(server.url, await issuer.sign({ aud }));
      expect(res.status, `aud ${aud}`).toBe(401);
      expect(String(res.headers['www-authenticate'])).toContain('resource_metadata="');
    }
  });

  it("accepts a JWT whose audience is this server's resource URL (RFC 8707), the one its metadata names", async () => {
    const metadata = await raw(`${server.base}/.well-known/oauth-protected-resource`);
    expect(metadata.json.resource).toBe(server.url);
    expect((await callMcp(server.url, await issuer.sign({ aud: server.url }))).status).toBe(200);
    expect((await callMcp(server.url, await issuer.sign({ aud: ['https://other-api.example.com', server.url] }))).status).toBe(200);
  });

  it('refuses a JWT without exp, even for the right audience', async () => {
    expect((await callMcp(server.url, await issuer.sign({ aud: server.url, exp: null }))).status).toBe(401);
    expect((await callMcp(server.url, await issuer.sign({ aud: server.url, exp: inAMinute() }))).status).toBe(200);
  });

  it('keeps the static token valid beside JWTs', async () => {
    expect((await callMcp(server.url, server.token)).status).toBe(200);
  });
});

describe('M4: TOOLWIRE_OAUTH_AUDIENCE and TOOLWIRE_PUBLIC_URL decide the audience', () => {
  it('with TOOLWIRE_OAUTH_AUDIENCE, only that audience; a JWT without exp is still refused', async () => {
    const server = await startInProcess(testEnv(tempDir(), { TOOLWIRE_OAUTH_ISSUER: issuer.url, TOOLWIRE_OAUTH_AUDIENCE: 'toolwire-prod' }));
    try {
      expect((await callMcp(server.url, await issuer.sign({ aud: 'toolwire-prod' }))).status).toBe(200);
      expect((await callMcp(server.url, await issuer.sign({ aud: server.url }))).status).toBe(401);
      expect((await callMcp(server.url, await issuer.sign({ aud: 'toolwire-prod', exp: null }))).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('with TOOLWIRE_PUBLIC_URL, the audience is its /mcp URL (what a client behind a proxy asked a token for)', async () => {
    const server = await startInProcess(testEnv(tempDir(), { TOOLWIRE_OAUTH_ISSUER: issuer.url, TOOLWIRE_PUBLIC_URL: 'https://tools.example.com' }));
    try {
      expect((await callMcp(server.url, await issuer.sign({ aud: 'https://tools.example.com/mcp' }))).status).toBe(200);
      expect((await callMcp(server.url, await issuer.sign({ aud: server.url }))).status).toBe(401);
      const metadata = await raw(`${server.base}/.well-known/oauth-protected-resource`);
      expect(metadata.json).toEqual({ resource: 'https://tools.example.com/mcp', authorization_servers: [issuer.url], bearer_methods_supported: ['header'] });
    } finally {
      await server.close();
    }
  });
});

describe('M4: the default audience never follows a port the client picked', () => {
  let server: InProcessServer;
  beforeAll(async () => {
    // A port-less allowed host accepts any port in Host; the audience must still be this server's.
    server = await startInProcess(testEnv(tempDir(), { TOOLWIRE_OAUTH_ISSUER: issuer.url, TOOLWIRE_ALLOWED_HOSTS: 'tools.internal' }));
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a token minted for another server on another port of an allowed name', async () => {
    const port = new URL(server.url).port;
    const asOther = await issuer.sign({ aud: 'http://tools.internal:9090/mcp', exp: inAMinute() });
    const other = await raw(server.url, { body: initialize, headers: { authorization: `Bearer ${asOther}`, host: 'tools.internal:9090' } });
    expect(other.status).toBe(401);
    const asThis = await issuer.sign({ aud: `http://tools.internal:${port}/mcp`, exp: inAMinute() });
    const ok = await raw(server.url, { body: initialize, headers: { authorization: `Bearer ${asThis}`, host: 'tools.internal:9090' } });
    expect(ok.status).toBe(200);
  });
});
