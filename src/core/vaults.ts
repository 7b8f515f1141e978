/** Credential vaults (SPEC §9, Qoder's API): bearer tokens for upstream MCP servers, kept apart from providers. */

export const VAULT_PROTOCOLS = ['sse', 'streamable_http'] as const;
export type VaultProtocol = (typeof VAULT_PROTOCOLS)[number];
export const VAULT_CREDENTIAL_TYPES = ['static_bearer'] as const;
export type VaultCredentialType = (typeof VAULT_CREDENTIAL_TYPES)[number];

export interface Vault {
  id: string;
  displayName: string;
  /** The client identity that created it (SPEC §11); null: the owner's (TOOLWIRE_TOKEN). */
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A credential as shown: never its access token. */
export interface VaultCredential {
  id: string;
  vaultId: string;
  mcpServerUrl: string;
  protocol: VaultProtocol;
  type: VaultCredentialType;
  createdAt: string;
  updatedAt: string;
}

export interface NewVaultCredential {
  mcpServerUrl: string;
  protocol: VaultProtocol;
  type: VaultCredentialType;
  /** Secret: sealed before it is written, never read back out through this API except by `tokenFor`. */
  accessToken: string;
}

/** A client's newest vault credential for one upstream MCP server (the call path's index, SPEC §11). */
export interface ClientVaultToken {
  clientName: string;
  mcpServerUrl: string;
  protocol: VaultProtocol;
  /** Secret. */
  accessToken: string;
}
