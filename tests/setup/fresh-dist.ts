import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Global setup of the e2e project (the files that spawn dist/cli.js): tests never run against a stale
 * build. When dist/cli.js is missing or older than a file of src/ (or tsconfig.json), it builds first.
 * `npm test` builds before vitest, so there this is a check that finds nothing to do.
 */
export default function freshDist(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const built = mtimeOf(join(root, 'dist', 'cli.js'));
  const sources = [join(root, 'tsconfig.json'), join(root, 'scripts', 'postbuild.mjs')];
  for (const file of readdirSync(join(root, 'src'), { recursive: true }) as string[]) sources.push(join(root, 'src', file));
  const stale = sources.find((file) => mtimeOf(file) > built);
  if (built !== 0 && stale === undefined) return;
  const why = built === 0 ? 'dist/cli.js does not exist' : `dist/ is older than ${stale!.slice(root.length)}`;
  process.stderr.write(`tests/setup/fresh-dist: ${why}; running npm run build first\n`);
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
