/**
 * Domain types of the registry, with the HandsAI field names and enum values (SPEC §3).
 * Secrets (`apiKeyValue`, `customHeaders` values, `dynamicAuthPayload`, `env`) are plaintext here:
 * these objects live in memory only; the store encrypts them on the way to disk.
 */

export const AUTHENTICATION_TYPES = ['NONE', 'API_KEY', 'BEARER_TOKEN', 'BASIC_AUTH', 'OAUTH2'] as const;
export const API_KEY_LOCATIONS = ['NONE', 'HEADER', 'QUERY_PARAMETER', 'IN_BODY'] as const;
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const PARAMETER_TYPES = ['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'OBJECT', 'ARRAY'] as const;
export const PARAMETER_LOCATIONS = ['PATH', 'QUERY', 'BODY', 'HEADER'] as const;
export const DYNAMIC_AUTH_METHODS = ['GET', 'POST'] as const;
export const DYNAMIC_AUTH_PAYLOAD_TYPES = ['JSON', 'FORM_DATA'] as const;
export const DYNAMIC_AUTH_PAYLOAD_LOCATIONS = ['BODY', 'QUERY_PARAMETERS', 'HEADERS'] as const;
export const PROVIDER_KINDS = ['http', 'mcp'] as const;
/** `auto`: direct or meta per provider, by the size of its tool list (SPEC §14, `TOOLWIRE_AUTO_META_TOKENS`). */
export const TOOL_MODES = ['direct', 'meta', 'auto'] as const;
export const MCP_PROTOCOLS = ['streamable_http', 'sse', 'stdio'] as const;
/** Whose credential a call sends (SPEC §11): the provider's one, the caller's own, or the caller's own else the provider's. */
export const CREDENTIAL_MODES = ['shared', 'per_user', 'per_user_or_shared'] as const;
/** How an OAUTH2 provider gets its access token (SPEC §11): each person's own grant, or the provider's own client. */
export const OAUTH_GRANTS = ['authorization_code', 'client_credentials'] as const;

export type AuthenticationType = (typeof AUTHENTICATION_TYPES)[number];
export type ApiKeyLocation = (typeof API_KEY_LOCATIONS)[number];
export type HttpMethod = (typeof HTTP_METHODS)[number];
export type ParameterType = (typeof PARAMETER_TYPES)[number];
export type ParameterLocation = (typeof PARAMETER_LOCATIONS)[number];
export type DynamicAuthMethod = (typeof DYNAMIC_AUTH_METHODS)[number];
export type DynamicAuthPayloadType = (typeof DYNAMIC_AUTH_PAYLOAD_TYPES)[number];
export type DynamicAuthPayloadLocation = (typeof DYNAMIC_AUTH_PAYLOAD_LOCATIONS)[number];
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export type ToolMode = (typeof TOOL_MODES)[number];
export type McpProtocol = (typeof MCP_PROTOCOLS)[number];
export type CredentialMode = (typeof CREDENTIAL_MODES)[number];
export type OAuthGrant = (typeof OAUTH_GRANTS)[number];

/**
 * An OAUTH2 provider's client registration at its authorization server. `clientSecret` is a secret
 * (sealed at rest, write-only, masked); the rest is configuration. `authorizationUrl` is null for the
 * client-credentials grant, which has no person to send anywhere.
 */
export interface OAuthSettings {
  grant: OAuthGrant;
  authorizationUrl: string | null;
  tokenUrl: string;
  clientId: string;
  /** Secret. */
  clientSecret: string | null;
  scopes: string[];
  pkce: boolean;
}

/** A JSON Schema object, kept as given (OpenAPI imports carry nested schemas whole). */
export type JsonSchema = Record<string, unknown>;

/** What every provider has, whichever kind: names, switches, and the credential it sends (HandsAI's field names). */
export interface ProviderBase {
  id: number;
  name: string;
  code: string;
  authenticationType: AuthenticationType;
  apiKeyLocation: ApiKeyLocation;
  apiKeyName: string | null;
  /** Secret. */
  apiKeyValue: string | null;
  isExportable: boolean;
  /** Values are secrets at rest. */
  customHeaders: Record<string, string>;
  isDynamicAuth: boolean;
  dynamicAuthUrl: string | null;
  dynamicAuthMethod: DynamicAuthMethod | null;
  /** Secret: a JSON object as a string, or `a=b&c=d`. */
  dynamicAuthPayload: string | null;
  dynamicAuthPayloadType: DynamicAuthPayloadType | null;
  dynamicAuthPayloadLocation: DynamicAuthPayloadLocation | null;
  dynamicAuthTokenExtractionPath: string | null;
  dynamicAuthInvalidationKeywords: string | null;
  enabled: boolean;
  /** Whose secrets a call sends; a client's own are kept apart (client_credentials), never on the provider. */
  credentialMode: CredentialMode;
  /** Set exactly when authenticationType is OAUTH2 (HTTP providers only). */
  oauth: OAuthSettings | null;
  toolMode: ToolMode;
  userId: string | null;
  /** Calls a minute across its tools, per instance (SPEC §12); null: none. */
  rateLimit: RateLimit | null;
  /** The answer budget of its tools' results, in tokens (SPEC §14); null: TOOLWIRE_MAX_RESULT_TOKENS. HTTP tools only. */
  maxResultTokens: number | null;
  /** Its API's text comes back fenced as external data, not instructions (SPEC §14). HTTP tools only. */
  fenceUpstreamText: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A rate limit (SPEC §12): calls in any 60 seconds, per instance. On a provider, a tool or a client identity. */
export interface RateLimit {
  perMinute: number;
}

/** An HTTP API: its tools are requests to `baseUrl`. */
export interface HttpProvider extends ProviderBase {
  kind: 'http';
  baseUrl: string;
}

/** An upstream MCP server run as a child process. */
export interface StdioTransport {
  protocol: 'stdio';
  command: string;
  args: string[];
  /** Secret values: passed only to the child process. */
  env: Record<string, string>;
}

/** An upstream MCP server reached over the network. */
export interface RemoteTransport {
  protocol: 'streamable_http' | 'sse';
  url: string;
}

export type McpTransport = StdioTransport | RemoteTransport;

/** An upstream MCP server: its tools are its own, served under the provider's code. */
export interface McpProvider extends ProviderBase {
  kind: 'mcp';
  transport: McpTransport;
}

/** A provider is one of two things; `kind` says which, and only that kind's fields exist. */
export type Provider = HttpProvider | McpProvider;

/** Omit over each member of a union (the built-in Omit would flatten it). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A provider as written: everything but the assigned id and timestamps. */
export type ProviderRecord = DistributiveOmit<Provider, 'id' | 'createdAt' | 'updatedAt'>;

/**
 * The kind-specific fields as HandsAI's API and files spell them: one flat object, null (or empty)
 * where the kind has no such field. Only the edges (admin JSON, import/export, the table) use it.
 */
export interface FlatKindFields {
  baseUrl: string | null;
  url: string | null;
  protocol: McpProtocol | null;
  command: string | null;
  args: string[];
  env: Record<string, string>;
}

export function flatKindFields(p: Pick<HttpProvider, 'kind' | 'baseUrl'> | Pick<McpProvider, 'kind' | 'transport'>): FlatKindFields {
  const flat: FlatKindFields = { baseUrl: null, url: null, protocol: null, command: null, args: [], env: {} };
  if (p.kind === 'http') return { ...flat, baseUrl: p.baseUrl };
  const t = p.transport;
  if (t.protocol === 'stdio') return { ...flat, protocol: 'stdio', command: t.command, args: t.args, env: t.env };
  return { ...flat, protocol: t.protocol, url: t.url };
}

/** Where a provider's requests go, for messages and origin checks: the API root, the server URL, or `stdio:`. */
export function providerTarget(p: Provider): string {
  if (p.kind === 'http') return p.baseUrl;
  return p.transport.protocol === 'stdio' ? 'stdio:' : p.transport.url;
}

export interface Parameter {
  name: string;
  type: ParameterType;
  description: string | null;
  required: boolean;
  /** As HandsAI stores it: a string, converted to the parameter's type when applied. */
  defaultValue: string | null;
  location: ParameterLocation | null;
  enum: Array<string | number | boolean> | null;
  /** Optional full JSON Schema (nested objects/arrays, formats) — toolwire extension used by OpenAPI import. */
  schema: JsonSchema | null;
  /**
   * The name the API knows it by, when the argument had to be named otherwise (an OpenAPI query `id`
   * beside a path `id` becomes the argument `query_id`, still sent as `id`) — toolwire extension.
   */
  apiName: string | null;
  /**
   * SEP-2243 (MCP 2026-07-28): clients mirror this argument into an `Mcp-Param-{mcpHeader}` HTTP
   * header, so gateways can route on it without reading the body; the server checks they agree.
   */
  mcpHeader: string | null;
}

export interface Tool {
  id: number;
  name: string;
  code: string;
  description: string | null;
  providerId: number;
  providerCode: string;
  endpointPath: string;
  httpMethod: HttpMethod;
  bodyPayloadTemplate: string | null;
  enabled: boolean;
  isExportable: boolean;
  parameters: Parameter[];
  /** Optional JSON Schema of the structured result — toolwire extension used by OpenAPI import. */
  outputSchema: JsonSchema | null;
  /** Calls a minute to this tool, per instance (SPEC §12); null: none. */
  rateLimit: RateLimit | null;
  /** The answer budget of its results, in tokens (SPEC §14); null: the provider's, else TOOLWIRE_MAX_RESULT_TOKENS. */
  maxResultTokens: number | null;
  /** The JSONPaths an answer is projected to when a call gives no `_fields` (SPEC §14); null: the whole answer. */
  responseFields: string[] | null;
  createdAt: string;
  updatedAt: string;
}

/** The placeholder that replaces every secret in an export (HandsAI's). */
/** The header an API key goes in when `apiKeyName` does not say (HandsAI's default). */
export const DEFAULT_API_KEY_HEADER = 'X-API-Key';

export const SECRET_PLACEHOLDER = '<YOUR_API_KEY>';
/** The mask HandsAI shows instead of header and payload values in admin responses. */
export const MASKED_VALUE = 'generic_text';

/** A value clients send back in place of a secret they were never shown; it never replaces or becomes one. */
export function isSecretStandIn(value: unknown): boolean {
  return value === MASKED_VALUE || value === SECRET_PLACEHOLDER;
}
