import { OWNER_NAME } from '../../core/identity.js';
import type { McpProvider } from '../../core/model.js';
import type { UserCredentials } from '../credentials/per-user.js';
import type { ClientVaultTokens } from '../credentials/vault-tokens.js';

/** Which connection a call to an upstream MCP server goes through: the provider's, one opened with the caller's own key, or none. */
export type McpCallKey = { kind: 'shared' } | { kind: 'own'; key: string } | { kind: 'missing' };

const SHARED: McpCallKey = { kind: 'shared' };
const MISSING: McpCallKey = { kind: 'missing' };

/**
 * Whose key a call to an upstream MCP server sends (SPEC §11). The owner and calls without a caller: the
 * provider's. A client: its own `api_key` (client credentials, for `per_user` and `per_user_or_shared`),
 * else its newest vault credential for the server's URL and protocol (a Qoder vault is the client's own
 * whatever the mode: it was made for this server), else the provider's — or, for `per_user`, none.
 */
export function mcpCallKey(provider: McpProvider, caller: string | undefined, users: UserCredentials, vaults: ClientVaultTokens): McpCallKey {
  if (caller === undefined || caller === OWNER_NAME || provider.transport.protocol === 'stdio') return SHARED;
  const perUser = provider.credentialMode !== 'shared';
  const own = perUser ? users.find(provider.id, caller)?.secrets.apiKeyValue : undefined;
  const key = own ?? vaults.find(caller, provider.transport.url, provider.transport.protocol);
  if (key !== undefined) return { kind: 'own', key };
  return provider.credentialMode === 'per_user' ? MISSING : SHARED;
}
