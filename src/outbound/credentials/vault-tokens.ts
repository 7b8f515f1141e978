import { byVersion } from '../../core/by-version.js';
import type { ClientVaultToken } from '../../core/vaults.js';

/** Each client's newest vault credential per upstream MCP server, from memory (SPEC §11, Qoder's vaults). */
export interface ClientVaultTokens {
  /** The access token of `clientName`'s newest credential for this server URL and protocol. */
  find(clientName: string, url: string, protocol: string): string | undefined;
}

export const NO_CLIENT_VAULT_TOKENS: ClientVaultTokens = { find: () => undefined };

/** Indexed again only when `version` moves; `read` gives the tokens loaded with the registry's snapshot, so a call reads no database. */
export function createClientVaultTokenIndex(read: () => ClientVaultToken[], version: () => number): ClientVaultTokens {
  const current = byVersion(version, () => new Map(read().map((t) => [keyOf(t.clientName, t.mcpServerUrl, t.protocol), t.accessToken])));
  return { find: (clientName, url, protocol) => current().get(keyOf(clientName, url, protocol)) };
}

const keyOf = (client: string, url: string, protocol: string) => JSON.stringify([client, url, protocol]);
