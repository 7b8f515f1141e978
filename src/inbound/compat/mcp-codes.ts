import { createHash } from 'node:crypto';

const MAX_CODE = 64;

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
}

/** What a server's code is made of: the URL's host, port and path, or the stdio server's name. */
export function codeSource(server: { url: string | null; name: string }): string {
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
export function serverCode(source: string, serverKey: string, taken: (code: string) => boolean): string {
  const base = slug(source);
  if (base !== '' && base.length <= MAX_CODE && !taken(base)) return base;
  const hashed = `${(base || 'mcp').slice(0, 50).replace(/[-.]+$/, '')}-${createHash('sha256').update(serverKey).digest('hex').slice(0, 8)}`;
  if (!taken(hashed)) return hashed;
  for (let n = 2; ; n++) {
    if (!taken(`${hashed}-${n}`)) return `${hashed}-${n}`;
  }
}
