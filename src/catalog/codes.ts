/**
 * Every provider and tool code toolwire makes up, in one place. SPEC §3 allows 1–64 of `[A-Za-z0-9_.-]`;
 * a tool code is the MCP tool name, so each generator also makes its code unique (`taken` says which are
 * in use). Three sources, three spellings kept as they always were, since stored codes and tool names
 * depend on them: a display name (`GitHub API` → `github-api`), an OpenAPI operation or title, and an
 * upstream MCP server (`mcp.example.com-v1-mcp`).
 */
import { createHash, randomBytes } from 'node:crypto';

const MAX_CODE = 64;

/** Lower case, and every run of characters outside the allowed set as one `-` (edges left to the caller). */
function lowerSlug(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-');
}

/** Whether a code is in use: asked of the store (async) or of a set. */
type Taken = (code: string) => boolean | Promise<boolean>;

/** `firstFree` for a `taken` that may ask the store. */
async function firstFreeOf(base: string, taken: Taken, suffixed: (n: number) => string): Promise<string> {
  if (!(await taken(base))) return base;
  for (let n = 2; ; n++) {
    const candidate = suffixed(n);
    if (!(await taken(candidate))) return candidate;
  }
}

/** `base` if free, else the first free `suffixed(2)`, `suffixed(3)`… */
function firstFree(base: string, taken: (code: string) => boolean, suffixed: (n: number) => string): string {
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = suffixed(n);
    if (!taken(candidate)) return candidate;
  }
}

/** A code from a display name ("GitHub API" → "github-api"), made unique with `-2`, `-3`…; a random one when the name has no usable character. */
export function codeFromName(name: string, taken: Taken, fallbackPrefix: string): Promise<string> {
  const slug = lowerSlug(name)
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  const base = slug || `${fallbackPrefix}-${randomBytes(4).toString('hex')}`;
  return firstFreeOf(base, taken, (n) => `${base}-${n}`);
}

/** OpenAPI: any run of characters outside the allowed set becomes one `_`; case kept, edges trimmed. */
export function sanitizeCode(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[_.-]+|[_.-]+$/g, '')
    .slice(0, MAX_CODE)
    .replace(/[_.-]+$/, '');
}

/** `get /repos/{owner}/{repo}/issues` → `get_repos_owner_repo_issues`. */
export function codeFromRoute(method: string, path: string): string {
  return sanitizeCode(`${method.toLowerCase()}_${path.replace(/[{}]/g, '').replace(/\//g, '_')}`) || method.toLowerCase();
}

/** Provider code from an OpenAPI title: `Swagger Petstore` → `swagger-petstore`. */
export function codeFromTitle(title: string): string {
  return sanitizeCode(title.toLowerCase().replace(/['’`]/g, '').replace(/\s+/g, '-')).replace(/_/g, '-').replace(/-{2,}/g, '-') || 'openapi';
}

/** Hands out the tool codes of one OpenAPI import: a repeated code gets `_2`, `_3`… (the base cut so the whole fits 64). */
export class CodeAllocator {
  private readonly used = new Set<string>();

  take(code: string): string {
    const candidate = firstFree(
      code,
      (c) => this.used.has(c),
      (n) => `${code.slice(0, MAX_CODE - `_${n}`.length)}_${n}`,
    );
    this.used.add(candidate);
    return candidate;
  }
}

/** What an upstream MCP server's code is made of: the URL's host, port and path, or the stdio server's name. */
export function serverCodeSource(server: { url: string | null; name: string }): string {
  if (server.url === null) return server.name;
  const url = new URL(server.url);
  return `${url.hostname}${url.port ? `-${url.port}` : ''}${url.pathname}`;
}

/**
 * A provider code for an upstream MCP server (SPEC §9): `mcp.example.com-v1-mcp` from
 * https://mcp.example.com/v1/mcp, `github` from a stdio server named "github". Two URLs that read alike
 * (http and https, another query, a path cut at 64 characters) get a suffix from a hash of the whole
 * server key, so distinct URLs always get distinct codes.
 */
export async function serverCode(source: string, serverKey: string, taken: Taken): Promise<string> {
  const base = lowerSlug(source).replace(/^[-.]+|[-.]+$/g, '');
  if (base !== '' && base.length <= MAX_CODE && !(await taken(base))) return base;
  const hashed = `${(base || 'mcp').slice(0, 50).replace(/[-.]+$/, '')}-${createHash('sha256').update(serverKey).digest('hex').slice(0, 8)}`;
  return firstFreeOf(hashed, taken, (n) => `${hashed}-${n}`);
}
