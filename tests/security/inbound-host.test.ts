import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer } from '../../src/inbound/http/server.js';
import { createLog } from '../../src/core/log.js';
import { tempDir, testEnv } from '../helpers/app.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';
import { initialize, raw, startIssuer, type Issuer } from './inbound-harness.js';

/**
 * Low (issue 10): the Host check is exact (DNS rebinding), the OAuth metadata `resource` is never a
 * reflected Host, and /health tells an anonymous caller nothing but `ok`.
 */
let issuer: Issuer;
let server: InProcessServer;
let port: string;
beforeAll(async () => {
  issuer = await startIssuer();
  server = await startInProcess(testEnv(tempDir(), { TOOLWIRE_OAUTH_ISSUER: issuer.url, TOOLWIRE_ALLOWED_HOSTS: 'tools.internal, Proxy.Example.com:8443' }));
  port = new URL(server.base).port;
});
afterAll(async () => {
  await server.close();
  await issuer.close();
});

const asHost = (host: string, path = '/mcp') =>
  raw(`${server.base}${path}`, { body: path === '/mcp' ? initialize : undefined, headers: { host, authorization: `Bearer ${server.token}` } });

describe('Low: exact Host check on a loopback bind', () => {
  it('refuses names that only start like a loopback name, another port, or another loopback address', async () => {
    for (const host of [
      '127.0.0.1.evil.example',
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1:${port}.evil.example`,
      `127.0.0.1:${port}@evil.example`,
      `127.0.0.1:1`,
      `127.0.0.2:${port}`,
      `127.1:${port}`,
      `tools.internal.evil.example:${port}`,
      `proxy.example.com:8444`,
      'attacker.example',
    ]) {
      const res = await asHost(host);
      expect(res.status, host).toBe(403);
      expect(res.json.message, host).toMatch(/TOOLWIRE_ALLOWED_HOSTS/);
    }
  });

  it('answers the bound address, the loopback names with the port, and the configured hosts', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LocalHost:${port}`,
      `[::1]:${port}`,
      'tools.internal',
      `tools.internal:${port}`,
      'proxy.example.com:8443',
    ]) {
      expect((await asHost(host)).status, host).toBe(200);
    }
  });

  it('applies the same check to the admin API', async () => {
    expect((await asHost('127.0.0.1.evil.example', '/admin/providers')).status).toBe(403);
    expect((await asHost(`127.0.0.1:${port}`, '/admin/providers')).status).toBe(200);
  });
});

describe('Low: a wildcard bind still checks Host', () => {
  it('refuses a foreign Host on 0.0.0.0 unless it is configured', async () => {
    const app = await createApp(loadConfig(testEnv(tempDir(), { TOOLWIRE_ALLOWED_HOSTS: 'tools.example.com' })), createLog('silent'));
    const token = 'wildcard-bind-token-0123456789abcdef';
    const running = await startHttpServer(app, { host: '0.0.0.0', port: 0, stateless: false, noAuth: false, token });
    try {
      const wildPort = new URL(running.url).port;
      const at = (host: string) => raw(`http://127.0.0.1:${wildPort}/mcp`, { body: initialize, headers: { host, authorization: `Bearer ${token}` } });
      expect((await at('evil.example')).status).toBe(403);
      expect((await at(`127.0.0.1.evil.example:${wildPort}`)).status).toBe(403);
      expect((await at(`127.0.0.1:${wildPort}`)).status).toBe(200);
      expect((await at(`localhost:${wildPort}`)).status).toBe(200);
      expect((await at('tools.example.com')).status).toBe(200);
    } finally {
      await running.close(1_000);
      await app.close();
    }
  });
});

describe('Low: OAuth protected-resource metadata is never reflected from Host', () => {
  it('refuses the metadata for a Host that fails the check, instead of naming the attacker as the resource', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const res = await asHost('127.0.0.1.evil.example', path);
      expect(res.status).toBe(403);
      expect(res.json.resource).toBeUndefined();
      expect(res.text).not.toContain('evil.example/mcp');
    }
    const challenge = await raw(server.url, { body: initialize, headers: { host: 'evil.example' } });
    expect(String(challenge.headers['www-authenticate'] ?? '')).not.toContain('evil');
  });

  it('names the resource of a Host that passed the check', async () => {
    expect((await asHost(`localhost:${port}`, '/.well-known/oauth-protected-resource')).json.resource).toBe(`http://localhost:${port}/mcp`);
    expect((await asHost('tools.internal', '/.well-known/oauth-protected-resource')).json.resource).toBe('http://tools.internal/mcp');
  });
});

describe('Low: /health says only ok without the token', () => {
  it('gives no counts, version or paths to a caller without the token, or with a wrong one', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-wrong-token-wrong-token' },
      { authorization: `Bearer ${await issuer.sign({ aud: server.url })}` },
    ]) {
      const res = await raw(`${server.base}/health`, { headers });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'ok' });
    }
  });

  it('still says more to the token holder', async () => {
    await server.app.catalog.createProvider({ name: 'H', code: 'h', baseUrl: 'http://127.0.0.1:9' });
    await server.app.catalog.createTool({ name: 'H', code: 'h-get', providerCode: 'h', endpointPath: '/x' });
    const res = await raw(`${server.base}/health`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(res.json).toMatchObject({ status: 'ok', tools: 2 }); // the tool and toolwire_read_more
  });
});

describe('configuration of the names this server answers to', () => {
  it('refuses a TOOLWIRE_ALLOWED_HOSTS entry that is a URL, and a TOOLWIRE_PUBLIC_URL that is not one, naming the variable', () => {
    expect(() => loadConfig({ TOOLWIRE_ALLOWED_HOSTS: 'tools.example.com, https://tools.example.com/' })).toThrow(
      /TOOLWIRE_ALLOWED_HOSTS entry "https:\/\/tools.example.com\/" is not a host/,
    );
    expect(() => loadConfig({ TOOLWIRE_PUBLIC_URL: 'tools.example.com' })).toThrow(/TOOLWIRE_PUBLIC_URL "tools.example.com" must be the http\(s\) URL/);
    expect(() => loadConfig({ TOOLWIRE_MAX_SESSIONS: '0' })).toThrow(/TOOLWIRE_MAX_SESSIONS must be a positive whole number/);
    expect(loadConfig({ TOOLWIRE_PUBLIC_URL: 'https://tools.example.com/team/mcp' }).publicUrl).toBe('https://tools.example.com/team');
  });

  it('answers the host of TOOLWIRE_PUBLIC_URL, and a browser on that origin, behind a proxy on loopback', async () => {
    const proxied = await startInProcess(testEnv(tempDir(), { TOOLWIRE_PUBLIC_URL: 'https://tools.example.com' }));
    try {
      const res = await raw(proxied.url, {
        body: initialize,
        headers: { host: 'tools.example.com', origin: 'https://tools.example.com', authorization: `Bearer ${proxied.token}` },
      });
      expect(res.status).toBe(200);
      const foreign = await raw(proxied.url, {
        body: initialize,
        headers: { host: 'tools.example.com', origin: 'https://evil.example', authorization: `Bearer ${proxied.token}` },
      });
      expect(foreign.status).toBe(403);
      expect(
        (await raw(proxied.url, { body: initialize, headers: { host: 'tools.example.com.evil.example', authorization: `Bearer ${proxied.token}` } })).status,
      ).toBe(403);
    } finally {
      await proxied.close();
    }
  });
});
