import { ToolwireError } from '../core/errors.js';
import type { FlatKindFields, ProviderKind } from '../core/model.js';

/** The fields the stdio lock judges, in the flat shape a provider write is worked out in. */
type Runnable = FlatKindFields & { kind: ProviderKind };

/**
 * Who is writing, and so what a provider write may do. Where a caller does not say, the locked rules
 * apply: a new caller that forgets cannot open a way to run commands; the CLI says so explicitly.
 */
export interface ProviderWriteRules {
  /**
   * A stdio MCP upstream runs a command on this machine. When locked (the HTTP APIs without
   * TOOLWIRE_ALLOW_STDIO_UPSTREAMS), no write may *result* in a stdio provider whose command, args
   * or env differ from what is stored — however the fields of the request got there.
   */
  lockStdio: boolean;
}

/** Writes from the network (admin API, import, compat APIs) unless TOOLWIRE_ALLOW_STDIO_UPSTREAMS says otherwise; the default. */
export const LOCKED_RULES: ProviderWriteRules = { lockStdio: true };

/** The CLI: its user owns the machine, so it may register any command. */
export const CLI_RULES: ProviderWriteRules = { lockStdio: false };

export const STDIO_LOCKED_MESSAGE =
  'is a stdio MCP upstream, which runs a command on this machine: it cannot be registered or changed over HTTP unless the server runs with TOOLWIRE_ALLOW_STDIO_UPSTREAMS=1. Use the CLI (toolwire provider add / provider update) instead; nothing was written.';

const isStdio = (p: Runnable): boolean => p.kind === 'mcp' && p.protocol === 'stdio';

/**
 * Whether the resolved record runs something other than what is stored: a stdio result is allowed only
 * when the stored provider is stdio with byte-identical command, args and env.
 */
function runsNewCommand(record: Runnable, existing: Runnable | null): boolean {
  if (!isStdio(record)) return false;
  if (!existing || !isStdio(existing)) return true;
  return record.command !== existing.command || !sameList(record.args, existing.args) || !sameMap(record.env, existing.env);
}

export function refuseStdioChange(record: Runnable, existing: Runnable | null, rules: ProviderWriteRules, subject: string): void {
  if (rules.lockStdio && runsNewCommand(record, existing)) throw new ToolwireError('FORBIDDEN', `${subject} ${STDIO_LOCKED_MESSAGE}`);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
