import { type ClientIdentity, OWNER, scopeMatcher } from '../../core/identity.js';
import type { ToolScope } from '../../registry/types.js';

/**
 * Who an MCP request is from, as the MCP side needs it (SPEC §11): the identity, its scope compiled
 * once, a key naming that scope (the cache key of its view of the tools), and whether tool lists may
 * be cached by anyone (`public`) or only by this caller (`private`: other callers see other lists).
 */
export interface Caller {
  identity: ClientIdentity;
  /** Null: every tool (the owner, a client made without --provider/--tool). */
  scope: ToolScope | null;
  key: string;
  listCache: 'public' | 'private';
}

const OWNER_PUBLIC: Caller = Object.freeze({ identity: OWNER, scope: null, key: 'owner', listCache: 'public' });
const OWNER_PRIVATE: Caller = Object.freeze({ identity: OWNER, scope: null, key: 'owner', listCache: 'private' });

/** The owner (TOOLWIRE_TOKEN, stdio, --no-auth): every tool; lists public while no client can see another. */
export function ownerCaller(listCache: Caller['listCache'] = 'public'): Caller {
  return listCache === 'public' ? OWNER_PUBLIC : OWNER_PRIVATE;
}

const NOBODY: Caller = Object.freeze({ identity: { ...OWNER, name: 'nobody', admin: false }, scope: () => false, key: 'nobody', listCache: 'private' });

/** A request that reached the MCP side without a caller (a route that forgot one): it sees no tool at all. */
export function nobody(): Caller {
  return NOBODY;
}

export function clientCaller(identity: ClientIdentity): Caller {
  const unscoped = identity.providers.length === 0 && identity.tools.length === 0;
  return {
    identity,
    scope: unscoped ? null : scopeMatcher(identity),
    key: unscoped ? 'all' : JSON.stringify([identity.providers, identity.tools]),
    listCache: 'private',
  };
}
