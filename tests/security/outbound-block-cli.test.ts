import { describe, expect, it } from 'vitest';
import { tempDir, testEnv } from '../helpers/app.js';
import { runCliAsync } from '../helpers/cli.js';
import { startUpstream } from '../helpers/upstream.js';

// SPEC §15: `toolwire provider test` fetches a token the way the server does, so TOOLWIRE_BLOCK_PRIVATE
// applies to it too (the README says so).

describe('toolwire provider test with TOOLWIRE_BLOCK_PRIVATE=1', () => {
  it('refuses a token endpoint on a loopback address and sends it nothing; without blocking it is reached', async () => {
    const tokens = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'probe-token-123456', expires_in: 60 }));
    });
    try {
      const env = testEnv(tempDir());
      const provider = {
        name: 'Dyn',
        code: 'dyn',
        baseUrl: tokens.url,
        isDynamicAuth: true,
        dynamicAuthUrl: `${tokens.url}/token`,
        dynamicAuthMethod: 'POST',
        dynamicAuthTokenExtractionPath: '$.access_token',
      };
      expect((await runCliAsync(['provider', 'add', '-'], env, JSON.stringify(provider))).code).toBe(0);
      const blocked = await runCliAsync(['provider', 'test', 'dyn'], { ...env, TOOLWIRE_BLOCK_PRIVATE: '1' });
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain('TOOLWIRE_BLOCK_PRIVATE');
      expect(tokens.requests).toHaveLength(0);
      const open = await runCliAsync(['provider', 'test', 'dyn'], env);
      expect(open.code, open.stderr).toBe(0);
      expect(tokens.requests).toHaveLength(1);
    } finally {
      await tokens.close();
    }
  });
});
