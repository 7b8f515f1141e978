import { randomBytes } from 'node:crypto';

/** A code from a display name ("GitHub API" → "github-api"), within the code rules, made unique by `taken`. */
export function generateCode(name: string, taken: (code: string) => boolean, fallbackPrefix: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  const base = slug || `${fallbackPrefix}-${randomBytes(4).toString('hex')}`;
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}
