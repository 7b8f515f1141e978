import { z } from 'zod';
import {
  API_KEY_LOCATIONS,
  AUTHENTICATION_TYPES,
  CREDENTIAL_MODES,
  DYNAMIC_AUTH_METHODS,
  DYNAMIC_AUTH_PAYLOAD_LOCATIONS,
  DYNAMIC_AUTH_PAYLOAD_TYPES,
  HTTP_METHODS,
  MCP_PROTOCOLS,
  OAUTH_GRANTS,
  PARAMETER_LOCATIONS,
  PARAMETER_TYPES,
  PROVIDER_KINDS,
  TOOL_MODES,
} from '../core/model.js';
import { MAX_RESULT_TOKENS, MIN_RESULT_TOKENS } from '../core/result-budget.js';

/**
 * The shapes admins send (CLI, admin API, import), checked once at the boundary. Every field is
 * optional here: creation and partial updates share the shape, and the rules that depend on other
 * fields (baseUrl for http providers, a key name for query keys…) are checked on the merged result.
 */

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: () => `must be one of ${values.join(', ')}` });

/** HandsAI clients send lowercase enum values now and then; accept them as the uppercase value. */
const upperEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v), oneOf(values));

const text = z.string({ error: () => 'must be a string' });
const optionalText = text.nullish();
const flag = z.boolean({ error: () => 'must be true or false' }).nullish();
const stringMap = z.record(z.string(), z.string({ error: () => 'must be a string' }), {
  error: () => 'must be an object of string values',
});

export const CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const code = text.refine((v) => v.trim() === '' || CODE_PATTERN.test(v.trim()), {
  message: 'must be 1–64 characters of letters, digits, "_", "." or "-"',
});

/** An OAUTH2 provider's client registration; every field optional (a partial update merges field by field). */
export const oauthInputSchema = z.object(
  {
    grant: oneOf(OAUTH_GRANTS).nullish(),
    authorizationUrl: optionalText,
    tokenUrl: optionalText,
    clientId: optionalText,
    clientSecret: optionalText,
    scopes: z.array(text, { error: () => 'must be a list of scope names, such as ["repo", "read:user"]' }).nullish(),
    pkce: flag,
  },
  { error: () => 'must be an object: {authorizationUrl, tokenUrl, clientId, clientSecret, scopes, pkce: true, grant}' },
);
export type OAuthInput = z.infer<typeof oauthInputSchema>;
/** `rateLimit: {"perMinute": N}` (SPEC §12); `{"perMinute": 0}` removes a limit, null or absent leaves it as it is. */
export const rateLimitSchema = z.strictObject(
  {
    perMinute: z
      .number({ error: 'must be a whole number of calls a minute (0 removes the limit)' })
      .int({ error: 'must be a whole number of calls a minute (0 removes the limit)' })
      .min(0, { error: 'must be 0 (no limit) or more' })
      .max(1_000_000, { error: 'must be at most 1000000' }),
  },
  { error: 'must be an object like {"perMinute": 60}' },
);

/** A stored limit from an input: 0 removes it, absent or null keeps `kept`. */
export function mergeRateLimit(input: { perMinute: number } | null | undefined, kept: { perMinute: number } | null): { perMinute: number } | null {
  if (input === undefined || input === null) return kept;
  return input.perMinute === 0 ? null : { perMinute: input.perMinute };
}

/** `maxResultTokens` (SPEC §14): tokens an answer may take; 0 removes it (the next level's budget applies), null or absent keeps it. */
export const maxResultTokensSchema = z
  .number({ error: 'must be a whole number of tokens (0 removes it: the default budget applies)' })
  .int({ error: 'must be a whole number of tokens (0 removes it: the default budget applies)' })
  .refine((n) => n === 0 || (n >= MIN_RESULT_TOKENS && n <= MAX_RESULT_TOKENS), {
    error: `must be 0 (no budget of its own) or from ${MIN_RESULT_TOKENS} to ${MAX_RESULT_TOKENS}`,
  });

/** A stored budget from an input: 0 removes it, absent or null keeps `kept`. */
export function mergeMaxResultTokens(input: number | null | undefined, kept: number | null): number | null {
  if (input === undefined || input === null) return kept;
  return input === 0 ? null : input;
}

/** `responseFields` (SPEC §14): one JSONPath or a list; an empty list removes it; null or absent keeps it. */
export const responseFieldsSchema = z.union([z.string(), z.array(z.string())], {
  error: () => 'must be a JSONPath string or a list of them, such as ["$.items[*].name"]',
});

export const providerInputSchema = z.object({
  name: optionalText,
  code: code.nullish(),
  baseUrl: optionalText,
  authenticationType: upperEnum(AUTHENTICATION_TYPES).nullish(),
  apiKeyLocation: upperEnum(API_KEY_LOCATIONS).nullish(),
  apiKeyName: optionalText,
  apiKeyValue: optionalText,
  isExportable: flag,
  customHeaders: stringMap.nullish(),
  isDynamicAuth: flag,
  dynamicAuthUrl: optionalText,
  dynamicAuthMethod: upperEnum(DYNAMIC_AUTH_METHODS).nullish(),
  dynamicAuthPayload: optionalText,
  dynamicAuthPayloadType: upperEnum(DYNAMIC_AUTH_PAYLOAD_TYPES).nullish(),
  dynamicAuthPayloadLocation: upperEnum(DYNAMIC_AUTH_PAYLOAD_LOCATIONS).nullish(),
  dynamicAuthTokenExtractionPath: optionalText,
  dynamicAuthInvalidationKeywords: optionalText,
  enabled: flag,
  credentialMode: oneOf(CREDENTIAL_MODES).nullish(),
  oauth: oauthInputSchema.nullish(),
  rateLimit: rateLimitSchema.nullish(),
  maxResultTokens: maxResultTokensSchema.nullish(),
  fenceUpstreamText: flag,
  kind: oneOf(PROVIDER_KINDS).nullish(),
  toolMode: oneOf(TOOL_MODES).nullish(),
  userId: optionalText,
  url: optionalText,
  protocol: oneOf(MCP_PROTOCOLS).nullish(),
  command: optionalText,
  args: z.array(text, { error: () => 'must be a list of strings' }).nullish(),
  env: stringMap.nullish(),
});
export type ProviderInput = z.infer<typeof providerInputSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const parameterInputSchema = z.object({
  name: text.refine((v) => v.trim() !== '', { message: 'must not be empty' }),
  type: upperEnum(PARAMETER_TYPES).nullish(),
  description: optionalText,
  required: flag,
  defaultValue: z.union([scalar, z.array(z.unknown()), z.record(z.string(), z.unknown())]).nullish(),
  location: upperEnum(PARAMETER_LOCATIONS).nullish(),
  enum: z.array(scalar, { error: () => 'must be a list of strings, numbers or booleans' }).nullish(),
  schema: z.record(z.string(), z.unknown(), { error: () => 'must be a JSON Schema object' }).nullish(),
  apiName: optionalText,
  mcpHeader: optionalText,
});
export type ParameterInput = z.infer<typeof parameterInputSchema>;

export const toolInputSchema = z.object({
  name: optionalText,
  code: code.nullish(),
  description: optionalText,
  providerId: z
    .number({ error: () => 'must be a number' })
    .int()
    .nullish(),
  providerCode: optionalText,
  endpointPath: optionalText,
  httpMethod: upperEnum(HTTP_METHODS).nullish(),
  bodyPayloadTemplate: optionalText,
  enabled: flag,
  isExportable: flag,
  parameters: z.array(parameterInputSchema, { error: () => 'must be a list of parameters' }).nullish(),
  outputSchema: z.record(z.string(), z.unknown(), { error: () => 'must be a JSON Schema object' }).nullish(),
  rateLimit: rateLimitSchema.nullish(),
  maxResultTokens: maxResultTokensSchema.nullish(),
  responseFields: responseFieldsSchema.nullish(),
});
export type ToolInput = z.infer<typeof toolInputSchema>;

/** One entry of an import/export file: provider fields plus its tools. */
export const importEntrySchema = providerInputSchema.extend({
  tools: z
    .array(toolInputSchema.omit({ providerId: true, providerCode: true }), {
      error: () => 'must be a list of tools',
    })
    .nullish(),
});
export type ImportEntry = z.infer<typeof importEntrySchema>;
