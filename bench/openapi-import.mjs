// Times `toolwire import` of GitHub's full REST description (npm @octokit/openapi, 1,223 operations)
// into a fresh database, as a user runs it: the whole CLI process, parsing to committed rows.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { CLI, freshEnv } from './launch.mjs';

const GITHUB_SPEC = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');

/** One timed import; `tools` is how many the report says were added. */
export function githubImportRound() {
  const fresh = freshEnv();
  try {
    const started = performance.now();
    const run = spawnSync(process.execPath, [CLI, 'import', GITHUB_SPEC, '--provider', 'github', '--json'], {
      env: fresh.env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = performance.now() - started;
    if (run.status !== 0) throw new Error(`toolwire import of GitHub's description exited ${run.status}: ${run.stderr.trim().split('\n').at(-1)}`);
    const report = JSON.parse(run.stdout);
    return { ms, tools: report.added.length, skipped: report.skipped.length };
  } finally {
    fresh.cleanup();
  }
}
