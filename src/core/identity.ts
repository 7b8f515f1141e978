import type { RateLimit } from './model.js';
/**
 * Who is calling (SPEC §11): the owner (`TOOLWIRE_TOKEN`) or a client identity made with `toolwire client add`.
 * A scope is two lists, both of which must let a tool through: provider codes (exact) and tool-code globs.
 * An empty list lets everything through, so a client made without `--provider`/`--tool` sees every tool.
 */
export interface ClientIdentity {
  name: string;
  /** Provider codes this identity may use; empty: every provider. */
  providers: readonly string[];
  /** Globs over tool codes (`*` any run of characters, `?` one character); empty: every tool. */
  tools: readonly string[];
  /** May reach `/admin`. */
  admin: boolean;
  createdAt: string;
  /** When its token was last replaced; null while it has its first token. */
  rotatedAt: string | null;
  /** The JWT `sub` this identity stands for (made on first use with TOOLWIRE_OAUTH_ISSUER); null for token clients. */
  subject: string | null;
  /** Its calls a minute, per instance (SPEC §12: `client add --rate N`); null: none. */
  rateLimit: RateLimit | null;
}

/**
 * The tool glob that matches no tool (a tool code is never empty): the scope of an identity given
 * nothing yet — a JWT identity made on first use when TOOLWIRE_OAUTH_DEFAULT_SCOPE is unset.
 */
export const NO_TOOL_GLOB = '';

/** A scope as two lists (see ClientIdentity); `{providers: [], tools: []}` is every tool. */
export interface Scope {
  providers: readonly string[];
  tools: readonly string[];
}

/** No tool at all. */
export const EMPTY_SCOPE: Scope = Object.freeze({
  providers: Object.freeze([]) as readonly string[],
  tools: Object.freeze([NO_TOOL_GLOB]) as readonly string[],
});

/** The name no client may take: it stands for the owner in logs and answers. */
export const OWNER_NAME = 'owner';

/** The `TOOLWIRE_TOKEN` holder: every tool, admin rights. Not a stored record, so it has no creation time. */
export const OWNER: ClientIdentity = Object.freeze({
  name: OWNER_NAME,
  providers: Object.freeze([]) as readonly string[],
  tools: Object.freeze([]) as readonly string[],
  admin: true,
  createdAt: '',
  rotatedAt: null,
  subject: null,
  rateLimit: null,
});

/**
 * Whether `code` matches the tool glob as a whole: `*` any run of characters (also none), `?` exactly
 * one, everything else literal. Greedy with one backtrack point (the last `*`), so it runs in time
 * linear-ish in the lengths — a glob like `*a*a*a*b` cannot stall the server as a RegExp could.
 */
export function globMatches(glob: string, code: string): boolean {
  const g = [...glob];
  const c = [...code];
  let gi = 0;
  let ci = 0;
  let star = -1;
  let resume = 0;
  while (ci < c.length) {
    if (gi < g.length && (g[gi] === '?' || (g[gi] !== '*' && g[gi] === c[ci]))) {
      gi++;
      ci++;
    } else if (gi < g.length && g[gi] === '*') {
      star = gi++;
      resume = ci;
    } else if (star >= 0) {
      gi = star + 1;
      ci = ++resume;
    } else {
      return false;
    }
  }
  while (gi < g.length && g[gi] === '*') gi++;
  return gi === g.length;
}

/**
 * The identity's scope compiled once (its globs as RegExps): for filtering a whole tool list per
 * request without compiling a glob per tool.
 */
export function scopeMatcher(identity: Pick<ClientIdentity, 'providers' | 'tools'>): (providerCode: string, toolCode: string) => boolean {
  const providers = identity.providers.length === 0 ? null : new Set(identity.providers);
  const globs = identity.tools.length === 0 ? null : identity.tools;
  return (providerCode, toolCode) => (providers === null || providers.has(providerCode)) && (globs === null || globs.some((g) => globMatches(g, toolCode)));
}

/** Whether the identity may see and call this tool: its provider listed (or none listed) and its code matching a glob (or none given). */
export function inScope(identity: Pick<ClientIdentity, 'providers' | 'tools'>, providerCode: string, toolCode: string): boolean {
  return scopeMatcher(identity)(providerCode, toolCode);
}
