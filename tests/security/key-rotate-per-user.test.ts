import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { startServer } from '../helpers/http-server.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { newKey, opens, sealedCells } from './key-rotate.harness.js';

/**
 * SPEC §15 key rotation covers per-user credentials (SPEC §11) too: `toolwire key rotate` re-seals the
 * client_credentials table with the rest, so after it the new key opens them and a client's call still
 * carries its own secret.
 */
const ALICE = 'alice-rotate-canary-6d2f8b0a4c';
let upstream: Upstream;

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
});

describe('toolwire key rotate with per-user credentials', () => {
  it('re-seals them with the new key; afterwards they list and are sent as before', async () => {
    const env = testEnv(tempDir());
    const ok = (args: string[], input?: string) => {
      const r = runCli(args, env, input);
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    ok(
      ['provider', 'add', '-'],
      JSON.stringify({ name: 'P', code: 'p', baseUrl: upstream.url, authenticationType: 'BEARER_TOKEN', credentialMode: 'per_user' }),
    );
    ok(['tool', 'add', '-'], JSON.stringify({ name: 'p-echo', code: 'p-echo', providerCode: 'p', endpointPath: '/p-echo' }));
    const token = ok(['client', 'add', 'alice']).stdout.trim();
    ok(['credential', 'set', '--client', 'alice', '--provider', 'p'], JSON.stringify({ apiKeyValue: ALICE }));

    const key = newKey();
    const rotated = await runCliAsync(['key', 'rotate'], { ...env, TOOLWIRE_NEW_SECRET_KEY: key.toString('base64') });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('client_credentials.secrets_enc');
    expect(`${rotated.stdout}${rotated.stderr}`).not.toContain(ALICE);
    const cells = sealedCells(env.TOOLWIRE_DB!).filter((c) => c.table === 'client_credentials');
    expect(cells).toHaveLength(1);
    expect(opens(key, cells[0]!.value)).toBe(true);

    const newEnv = { ...env, TOOLWIRE_SECRET_KEY: key.toString('base64') };
    expect((await runCliAsync(['key', 'finish'], newEnv)).code).toBe(0);
    const listed = await runCliAsync(['credential', 'list', '--client', 'alice', '--json'], newEnv);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ provider: 'p', fields: ['apiKeyValue'] });

    const server = await startServer([], newEnv);
    try {
      const client = new Client({ name: 'rotate', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      const result = await client.callTool({ name: 'p-echo', arguments: {} });
      await client.close();
      expect(result.isError).toBeFalsy();
      expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${ALICE}`);
    } finally {
      await server.stop();
    }
  });
});
