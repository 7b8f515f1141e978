import type { ClientIdentity } from '../../core/identity.js';
import { byVersion } from '../../core/by-version.js';
import { CLIENT_TOKEN_PREFIX, hashClientToken } from '../../catalog/client-tokens.js';
import type { Registry } from '../../registry/registry.js';
import { type Caller, clientCaller } from '../mcp/caller.js';

/**
 * Bearer tokens of client identities → callers, from memory: the token hashes are loaded with the
 * registry's snapshot (`tokens`, in its read), and the callers (scopes compiled) made again only when its
 * version moves — a client added, removed or rotated here or in another process bumps the same counter —
 * so a request reads no database and a rotated token stops working as soon as the change is noticed.
 */
export interface CallerIndex {
  /** The caller a client token belongs to, or null (not a client token, or unknown). */
  find(token: string): Caller | null;
  /** The caller a JWT subject stands for, or null when no identity was made for it yet. */
  findSubject(subject: string): Caller | null;
  /** Whether any client identity exists: tool lists are then private to each caller. */
  anyClients(): boolean;
}

export function createCallerIndex(tokens: () => ReadonlyMap<string, ClientIdentity>, registry: Registry): CallerIndex {
  const current = byVersion(
    () => registry.current().version,
    () => {
      const byHash = new Map<string, Caller>();
      const bySubject = new Map<string, Caller>();
      for (const [hash, identity] of tokens()) {
        const caller = clientCaller(identity);
        byHash.set(hash, caller);
        if (identity.subject !== null) bySubject.set(identity.subject, caller);
      }
      return { byHash, bySubject };
    },
  );
  return {
    find: (token) => (token.startsWith(CLIENT_TOKEN_PREFIX) ? (current().byHash.get(hashClientToken(token)) ?? null) : null),
    findSubject: (subject) => current().bySubject.get(subject) ?? null,
    anyClients: () => current().byHash.size > 0,
  };
}
