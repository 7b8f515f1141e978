import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, testEnv } from '../helpers/app.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';

/** The built CLI's `serve --http` mounts the compatibility APIs beside /mcp and /admin. */
let server: RunningServer;
let base: string;
const env = testEnv(tempDir());

beforeAll(async () => {
  runCli(['provider', 'add', '-'], env, JSON.stringify({ name: 'GitHub', code: 'github', baseUrl: 'https://api.github.com' }));
  server = await startServer([], env);
  base = server.url.replace(/\/mcp$/, '');
});
afterAll(async () => {
  await server.stop();
});

const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('toolwire serve --http', () => {
  it('serves the vault API at both base paths, behind the bearer token', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const created = await send('POST', '/api/v1/cloud/vaults', auth, {
      display_name: 'team',
      credentials: [{ mcp_server_url: 'https://example.com/mcp', protocol: 'streamable_http', type: 'static_bearer', access_token: 'canary-cli-vault-token' }],
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const listed = (await (await send('GET', '/v1/vaults', auth)).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((v) => v.id)).toEqual([id]);
    expect((await send('GET', '/v1/vaults', {})).status).toBe(401);
  });

  it('serves POST /api/add-git-providers with X-Session-API-Key', async () => {
    const res = await send(
      'POST',
      '/api/add-git-providers',
      { 'x-session-api-key': server.token },
      { provider_tokens: { github: { token: 'canary-cli-gh-token', user_id: 'octocat', host: 'ghe.example.com' } } },
    );
    expect(res.status).toBe(200);
    const shown = runCli(['provider', 'show', 'github', '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ baseUrl: 'https://ghe.example.com', userId: 'octocat', authenticationType: 'BEARER_TOKEN' });
    expect(shown.stdout).not.toContain('canary-cli-gh-token');
    expect(server.stderr()).not.toContain('canary-cli');
  });
});
