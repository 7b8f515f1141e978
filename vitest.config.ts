import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const ROOT = dirname(fileURLToPath(import.meta.url));
const CLI_HELPER = resolve(ROOT, 'tests/helpers/cli.ts');

/**
 * The test files that spawn the built CLI (dist/cli.js): those that reach tests/helpers/cli.ts through
 * their relative imports (static or dynamic), or name dist/cli.js themselves. They form the "e2e"
 * project, which checks that dist/ is not older than src/ first; every other file is "unit" and runs
 * without a build (`npm run test:unit`). Found by reading the imports, so a new file lands in the right
 * project by itself.
 */
function cliTestFiles(): string[] {
  const importsOf = new Map<string, string[]>();
  const read = (file: string): string[] => {
    let found = importsOf.get(file);
    if (found) return found;
    const text = readFileSync(file, 'utf8');
    found = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)\.js'/g)]
      .map((m) => resolve(dirname(file), `${m[1]!}.ts`))
      .filter((f) => f.startsWith(join(ROOT, 'tests')) && existsSync(f));
    if (/dist\/cli\.js/.test(text)) found.push(CLI_HELPER);
    importsOf.set(file, found);
    return found;
  };
  const reaches = (file: string, seen = new Set<string>()): boolean => {
    if (file === CLI_HELPER) return true;
    if (seen.has(file)) return false;
    seen.add(file);
    return read(file).some((f) => reaches(f, seen));
  };
  const testFiles = (readdirSync(join(ROOT, 'tests'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(ROOT, 'tests', f));
  return testFiles.filter((f) => reaches(f)).map((f) => relative(ROOT, f).split('\\').join('/'));
}

const E2E = cliTestFiles();
/** One PostgreSQL for the whole run (both projects share it); TOOLWIRE_TEST_PG_URL uses another server. */
const PG_SETUP = 'tests/setup/postgres.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/**/*.test.ts'], exclude: E2E, globalSetup: [PG_SETUP] },
      },
      {
        extends: true,
        test: { name: 'e2e', include: E2E, globalSetup: ['tests/setup/fresh-dist.ts', PG_SETUP] },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // A summary in the output, nothing written: no thresholds, it is a figure to watch. It covers
      // what runs in the test processes; the CLI child processes of the e2e files are not counted.
      reporter: ['text-summary'],
      reportOnFailure: true,
    },
  },
});
