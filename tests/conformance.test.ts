import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testEnv } from './helpers/app.js';
import { startServer, type RunningServer } from './helpers/http-server.js';

/**
 * The official MCP conformance suite against `serve --http --no-auth` on loopback, with the scenarios
 * that apply to a server of user-defined tools. The suite needs Node 22: npx brings it as the npm
 * `node@22` package, from the npm registry.
 */
const run = promisify(execFile);
let server: RunningServer;

const SCENARIOS: Array<[string, string]> = [
  ['0.1.16', 'server-initialize'],
  ['0.1.16', 'ping'],
  ['0.1.16', 'tools-list'],
  ['0.1.16', 'dns-rebinding-protection'],
  ['0.1.16', 'server-sse-multiple-streams'],
  ['0.2.0-alpha.12', 'server-session-lifecycle'],
];

beforeAll(async () => {
  server = await startServer(['--no-auth', '--examples'], testEnv(tempDir()));
});
afterAll(() => server.stop());

describe('MCP conformance suite', () => {
  it.each(SCENARIOS)(
    '@modelcontextprotocol/conformance@%s %s passes',
    async (version, scenario) => {
      const { stdout, stderr } = await run(
        'npx',
        [
          '-y',
          '-p',
          'node@22',
          '-p',
          `@modelcontextprotocol/conformance@${version}`,
          '--',
          'conformance',
          'server',
          '--url',
          server.url,
          '--scenario',
          scenario,
        ],
        { timeout: 240_000, env: { ...process.env, CI: 'true' }, maxBuffer: 16 * 1024 * 1024 },
      ).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }));
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(stdout);
      expect(summary, `${stdout}\n${stderr}`).not.toBeNull();
      expect(summary![3], stdout).toBe('0');
      expect(Number(summary![1])).toBeGreaterThan(0);
    },
    300_000,
  );
});
