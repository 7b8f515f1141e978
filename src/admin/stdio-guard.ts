import type { App } from '../app.js';
import { mergeSecretMap } from '../catalog/secret-merge.js';
import { ToolwireError } from '../errors.js';
import type { Provider } from '../store/types.js';
import { isObject } from './context.js';

const nonBlank = (v: unknown) => typeof v === 'string' && v.trim() !== '';

/** Whether a provider body would register a stdio upstream, or change what an existing one runs. */
export function touchesStdio(body: Record<string, unknown>, existing: Provider | null): boolean {
  if (existing?.protocol !== 'stdio') return nonBlank(body.command) || body.protocol === 'stdio';
  if (nonBlank(body.command) && (body.command as string).trim() !== existing.command) return true;
  if (Array.isArray(body.args) && JSON.stringify(body.args) !== JSON.stringify(existing.args)) return true;
  // A given env replaces the stored one whole (stand-ins keep their stored value): a key left out is a change too.
  if (isObject(body.env)) return !sameEnv(mergeSecretMap(stringValues(body.env), existing.env), existing.env);
  return false;
}

function stringValues(map: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
}

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

/**
 * SPEC §9: a stdio upstream runs a command on this machine, so the HTTP admin API refuses to
 * register or change one unless TOOLWIRE_ALLOW_STDIO_UPSTREAMS is set (the CLI always may).
 */
export function refuseStdioOverHttp(app: App, body: Record<string, unknown>, existing: Provider | null, subject = 'This provider'): void {
  if (app.config.allowStdioUpstreams || !touchesStdio(body, existing)) return;
  throw new ToolwireError(
    'FORBIDDEN',
    `${subject} is a stdio MCP upstream, which runs a command on this machine: it cannot be registered or changed over HTTP unless the server runs with TOOLWIRE_ALLOW_STDIO_UPSTREAMS=1. Use the CLI (toolwire provider add) instead.`,
  );
}
