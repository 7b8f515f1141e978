import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { tempDir, testEnv, textOf } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { startJwtIssuer, type JwtIssuer } from '../helpers/jwt-issuer.js';
import { startServer, type RunningServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * JWT identities (SPEC §11): with TOOLWIRE_OAUTH_ISSUER a JWT acts as the identity of its `sub`, made on
 * first use with TOOLWIRE_OAUTH_DEFAULT_SCOPE (no tool when unset) — a person, not the owner: their own
 * scope, their own credentials, and never the rights of a token client whose name their subject spells.
 */
const AUDIENCE = 'toolwire-jwt';
let issuer: JwtIssuer;
let upstream: Upstream;
let closed: RunningServer; // no default scope
let open: RunningServer; // TOOLWIRE_OAUTH_DEFAULT_SCOPE=provider:gh
let closedEnv: Record<string, string>;
let openEnv: Record<string, string>;

function seed(env: Record<string, string>): void {
  const ok = (args: string[], input?: string) => expect(runCli(args, env, input).code).toBe(0);
  ok(
    ['provider', 'add', '-'],
    JSON.stringify({
      name: 'Git',
      code: 'gh',
      baseUrl: upstream.url,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-Key',
      apiKeyValue: 'shared-key-0001',
      credentialMode: 'per_user_or_shared',
    }),
  );
  ok(['provider', 'add', '-'], JSON.stringify({ name: 'Mail', code: 'mail', baseUrl: upstream.url }));
  ok(['tool', 'add', '-'], JSON.stringify({ name: 'issues', code: 'gh-issues', providerCode: 'gh', endpointPath: '/issues' }));
  ok(['tool', 'add', '-'], JSON.stringify({ name: 'send', code: 'mail-send', providerCode: 'mail', endpointPath: '/send' }));
  ok(
    ['provider', 'add', '-'],
    JSON.stringify({
      name: 'Own',
      code: 'pu',
      baseUrl: upstream.url,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-Key',
      credentialMode: 'per_user',
    }),
  );
  ok(['tool', 'add', '-'], JSON.stringify({ name: 'echo', code: 'pu-echo', providerCode: 'pu', endpointPath: '/pu-echo' }));
  // A token client whose name a JWT subject will spell: the subject must get none of its rights.
  ok(['client', 'add', 'alice', '--provider', 'mail']);
}

beforeAll(async () => {
  issuer = await startJwtIssuer(AUDIENCE);
  upstream = await startUpstream();
  const oauth = { TOOLWIRE_OAUTH_ISSUER: issuer.url, TOOLWIRE_OAUTH_AUDIENCE: AUDIENCE };
  closedEnv = testEnv(tempDir(), oauth);
  openEnv = testEnv(tempDir(), { ...oauth, TOOLWIRE_OAUTH_DEFAULT_SCOPE: 'provider:gh' });
  seed(closedEnv);
  seed(openEnv);
  [closed, open] = await Promise.all([startServer([], closedEnv), startServer([], openEnv)]);
});

afterAll(async () => {
  await Promise.all([closed?.stop(), open?.stop()]);
  await upstream.close();
  await issuer.close();
});

async function clientAs(server: RunningServer, sub: string, mode: 'legacy' | { pin: string }): Promise<Client> {
  const token = await issuer.sign({ sub });
  const client = new Client({ name: 'jwt', version: '1' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

/** The tools a subject may use (toolwire_read_more comes with every HTTP provider, whatever the scope). */
const names = async (client: Client) =>
  (await client.request({ method: 'tools/list', params: {} })).tools
    .map((t) => t.name)
    .filter((n) => n !== 'toolwire_read_more')
    .sort();
const listClients = (env: Record<string, string>) => JSON.parse(runCli(['client', 'list', '--json'], env).stdout) as Array<Record<string, unknown>>;

describe('a JWT acts as the identity of its subject', () => {
  it('without a default scope, a new subject sees no tool and cannot call one (both revisions)', async () => {
    for (const mode of ['legacy', { pin: '2026-07-28' }] as const) {
      const client = await clientAs(closed, 'agent-1', mode);
      expect(await names(client)).toEqual([]);
      const result = await client.callTool({ name: 'gh-issues', arguments: {} }).catch((err: Error) => err.message);
      expect(typeof result === 'string' ? result : textOf(result)).toMatch(/gh-issues/);
      await client.close();
    }
    expect(upstream.requests.filter((r) => r.path === '/issues')).toHaveLength(0);
    const made = listClients(closedEnv).find((c) => c.subject === 'agent-1');
    expect(made).toMatchObject({ name: 'agent-1', providers: [], admin: false });
    expect(runCli(['client', 'list'], closedEnv).stdout).toMatch(/agent-1\s+all\s+none\s+no\s+-\s+\S+\s+agent-1/);
  });

  it('with TOOLWIRE_OAUTH_DEFAULT_SCOPE, a new subject gets that scope, and one identity however often it comes back', async () => {
    for (let i = 0; i < 3; i++) {
      const client = await clientAs(open, 'agent-2', { pin: '2026-07-28' });
      expect(await names(client)).toEqual(['gh-issues']);
      await client.close();
    }
    expect(listClients(openEnv).filter((c) => c.subject === 'agent-2')).toHaveLength(1);
  });

  it('sends the subject’s own credential, not the shared one, once the owner sets it', async () => {
    const set = runCli(['credential', 'set', '--client', 'agent-2', '--provider', 'gh'], openEnv, JSON.stringify({ apiKeyValue: 'agent2-own-key' }));
    expect(set.code, set.stderr).toBe(0);
    const client = await clientAs(open, 'agent-2', 'legacy');
    await expect
      .poll(
        async () => {
          await client.callTool({ name: 'gh-issues', arguments: {} });
          return upstream.requests.at(-1)?.headers['x-key'];
        },
        { timeout: 10_000 },
      )
      .toBe('agent2-own-key');
    await client.close();
  });

  it('a subject that spells a token client’s name gets its own identity, not that client’s rights', async () => {
    const client = await clientAs(open, 'alice', { pin: '2026-07-28' });
    expect(await names(client)).toEqual(['gh-issues']); // the default scope, not alice's (mail)
    await client.close();
    const made = listClients(openEnv).find((c) => c.subject === 'alice');
    expect(made?.name).toMatch(/^oauth-[0-9a-f]{12}$/);
    expect(listClients(openEnv).find((c) => c.name === 'alice')).toMatchObject({ subject: null, providers: ['mail'] });
  });

  it('a subject that is no client name (an email, "owner") gets an oauth- name', async () => {
    for (const sub of ['someone@example.com', 'owner']) {
      const client = await clientAs(closed, sub, 'legacy');
      expect(await names(client)).toEqual([]);
      await client.close();
      expect(listClients(closedEnv).find((c) => c.subject === sub)?.name).toMatch(/^oauth-[0-9a-f]{12}$/);
    }
  });
});

describe('connect your account as a JWT identity', () => {
  const post = (url: string, fields: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

  it('the person proves the identity on the connect page with the JWT their agent uses; another subject’s JWT stores nothing', async () => {
    const client = await clientAs(closed, 'agent-5', 'legacy');
    await client.close();
    expect(runCli(['client', 'update', 'agent-5', '--all-tools'], closedEnv).code).toBe(0);
    // 2026-07-28: no session, so the scope change the server notices a moment later ends nothing.
    const agent = await clientAs(closed, 'agent-5', { pin: '2026-07-28' });
    try {
      await expect.poll(() => names(agent), { timeout: 10_000 }).toContain('pu-echo');
      const first = await agent.callTool({ name: 'pu-echo', arguments: {} });
      expect(first.isError).toBe(true);
      const link = /http:\/\/\S+\/connect\/[A-Za-z0-9_-]+/.exec(textOf(first))?.[0] as string;
      expect(link).toBeTruthy();
      const stranger = await post(link, { token: await issuer.sign({ sub: 'agent-6' }), apiKeyValue: 'stranger-key-0001' });
      expect(stranger.status).toBe(403);
      const own = await post(link, { token: await issuer.sign({ sub: 'agent-5' }), apiKeyValue: 'agent5-own-key' });
      expect(own.status).toBe(200);
      await expect
        .poll(
          async () => {
            await agent.callTool({ name: 'pu-echo', arguments: {} });
            return upstream.requests.filter((r) => r.path === '/pu-echo').map((r) => r.headers['x-key']);
          },
          { timeout: 10_000 },
        )
        .toContain('agent5-own-key');
      expect(upstream.requests.some((r) => r.headers['x-key'] === 'stranger-key-0001')).toBe(false);
    } finally {
      await agent.close();
    }
  });
});

describe('TOOLWIRE_OAUTH_DEFAULT_SCOPE', () => {
  it('refuses an entry it cannot read, naming it and the format', () => {
    const bad = runCli(['client', 'list'], testEnv(tempDir(), { TOOLWIRE_OAUTH_DEFAULT_SCOPE: 'provider:gh repo:x' }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('TOOLWIRE_OAUTH_DEFAULT_SCOPE entry "repo:x"');
    expect(bad.stderr).toContain('provider:github and tool:gh_*');
  });
});
