import { isConfigurationHeader } from '../core/redact.js';
import type { Parameter, Provider, Tool } from '../core/model.js';
import { flatKindFields, MASKED_VALUE, SECRET_PLACEHOLDER } from '../core/model.js';
import { maskPayload } from '../core/secret-merge.js';

/**
 * What leaves toolwire about providers and tools. Two views: the admin/CLI view (HandsAI's
 * response: no apiKeyValue, header and payload values masked as `generic_text`) and the export
 * view (SPEC §4: secrets replaced by `<YOUR_API_KEY>`, known configuration headers kept).
 */

const maskAll = (map: Record<string, string>, mask: string) => Object.fromEntries(Object.keys(map).map((k) => [k, mask]));

/** The MCP server fields in HandsAI's flat shape, present only on MCP providers (HTTP ones answer as HandsAI's do). */
function mcpFields(p: Provider, envMask: string) {
  if (p.kind !== 'mcp') return {};
  const { url, protocol, command, args, env } = flatKindFields(p);
  return { url, protocol, command, args, env: maskAll(env, envMask) };
}

/**
 * An OAUTH2 provider's settings, its client secret shown as `secret` says (set/not set in admin views,
 * the placeholder in exports). Absent on other providers, so their views stay HandsAI's.
 */
function oauthFields(p: Provider, secret: (set: boolean) => Record<string, unknown>) {
  if (!p.oauth) return {};
  const { clientSecret, ...settings } = p.oauth;
  return { oauth: { ...settings, ...secret(clientSecret !== null) } };
}

/** HandsAI's `baseUrl`: null on an MCP provider. */
const baseUrlOf = (p: Provider): string | null => (p.kind === 'http' ? p.baseUrl : null);

export function presentProvider(p: Provider) {
  return {
    id: p.id,
    name: p.name,
    code: p.code,
    baseUrl: baseUrlOf(p),
    authenticationType: p.authenticationType,
    apiKeyLocation: p.apiKeyLocation,
    apiKeyName: p.apiKeyName,
    hasApiKeyValue: p.apiKeyValue !== null,
    isExportable: p.isExportable,
    customHeaders: maskAll(p.customHeaders, MASKED_VALUE),
    isDynamicAuth: p.isDynamicAuth,
    dynamicAuthUrl: p.dynamicAuthUrl,
    dynamicAuthMethod: p.dynamicAuthMethod,
    dynamicAuthPayload: maskPayload(p.dynamicAuthPayload, MASKED_VALUE),
    dynamicAuthPayloadType: p.dynamicAuthPayloadType,
    dynamicAuthPayloadLocation: p.dynamicAuthPayloadLocation,
    dynamicAuthTokenExtractionPath: p.dynamicAuthTokenExtractionPath,
    dynamicAuthInvalidationKeywords: p.dynamicAuthInvalidationKeywords,
    enabled: p.enabled,
    credentialMode: p.credentialMode,
    ...oauthFields(p, (set) => ({ hasClientSecret: set })),
    rateLimit: p.rateLimit,
    maxResultTokens: p.maxResultTokens,
    fenceUpstreamText: p.fenceUpstreamText,
    kind: p.kind,
    toolMode: p.toolMode,
    userId: p.userId,
    ...mcpFields(p, MASKED_VALUE),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

export function presentTool(t: Tool) {
  return {
    id: t.id,
    name: t.name,
    code: t.code,
    description: t.description,
    providerId: t.providerId,
    providerCode: t.providerCode,
    endpointPath: t.endpointPath,
    httpMethod: t.httpMethod,
    bodyPayloadTemplate: t.bodyPayloadTemplate,
    enabled: t.enabled,
    isExportable: t.isExportable,
    parameters: t.parameters.map(presentParameter),
    ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
    ...(t.rateLimit ? { rateLimit: t.rateLimit } : {}),
    ...(t.maxResultTokens !== null ? { maxResultTokens: t.maxResultTokens } : {}),
    ...(t.responseFields !== null ? { responseFields: t.responseFields } : {}),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

function presentParameter(p: Parameter) {
  const out: Record<string, unknown> = {
    name: p.name,
    type: p.type,
    description: p.description,
    required: p.required,
    defaultValue: p.defaultValue,
  };
  if (p.location) out.location = p.location;
  if (p.enum) out.enum = p.enum;
  if (p.schema) out.schema = p.schema;
  if (p.apiName) out.apiName = p.apiName;
  if (p.mcpHeader) out.mcpHeader = p.mcpHeader;
  return out;
}

/** Known configuration headers (Accept, User-Agent, `*-Version`…) as they are; any other value is a secret. */
function exportHeaders(headers: Record<string, string>): Record<string, string> | null {
  if (Object.keys(headers).length === 0) return null;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, isConfigurationHeader(k) ? v : SECRET_PLACEHOLDER]));
}

export function exportProvider(p: Provider, tools: Tool[]) {
  return {
    name: p.name,
    code: p.code,
    baseUrl: baseUrlOf(p),
    authenticationType: p.authenticationType,
    apiKeyLocation: p.apiKeyLocation,
    apiKeyName: p.apiKeyName,
    apiKeyValue: p.apiKeyValue === null ? null : SECRET_PLACEHOLDER,
    isExportable: p.isExportable,
    customHeaders: exportHeaders(p.customHeaders),
    isDynamicAuth: p.isDynamicAuth,
    dynamicAuthUrl: p.dynamicAuthUrl,
    dynamicAuthMethod: p.dynamicAuthMethod,
    dynamicAuthPayloadType: p.dynamicAuthPayloadType,
    dynamicAuthPayloadLocation: p.dynamicAuthPayloadLocation,
    dynamicAuthPayload: maskPayload(p.dynamicAuthPayload, SECRET_PLACEHOLDER),
    dynamicAuthTokenExtractionPath: p.dynamicAuthTokenExtractionPath,
    dynamicAuthInvalidationKeywords: p.dynamicAuthInvalidationKeywords,
    enabled: p.enabled,
    // The mode travels; no client's own credential ever does (they stay with the database they were set in).
    credentialMode: p.credentialMode,
    ...oauthFields(p, (set) => ({ clientSecret: set ? SECRET_PLACEHOLDER : null })),
    ...(p.rateLimit ? { rateLimit: p.rateLimit } : {}),
    ...(p.maxResultTokens !== null ? { maxResultTokens: p.maxResultTokens } : {}),
    ...(p.fenceUpstreamText ? { fenceUpstreamText: true } : {}),
    kind: p.kind,
    toolMode: p.toolMode,
    ...mcpFields(p, SECRET_PLACEHOLDER),
    tools: tools.filter((t) => t.isExportable).map(exportTool),
  };
}

function exportTool(t: Tool) {
  return {
    name: t.name,
    code: t.code,
    description: t.description,
    endpointPath: t.endpointPath,
    bodyPayloadTemplate: t.bodyPayloadTemplate,
    httpMethod: t.httpMethod,
    enabled: t.enabled,
    isExportable: t.isExportable,
    parameters: t.parameters.map(presentParameter),
    ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
    ...(t.rateLimit ? { rateLimit: t.rateLimit } : {}),
    ...(t.maxResultTokens !== null ? { maxResultTokens: t.maxResultTokens } : {}),
    ...(t.responseFields !== null ? { responseFields: t.responseFields } : {}),
  };
}
