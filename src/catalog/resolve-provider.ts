import { isHeaderName } from '../core/forbidden-headers.js';
import { extractionPathIssue } from '../core/extraction-path.js';
import type { FieldIssue } from '../core/errors.js';
import {
  DEFAULT_API_KEY_HEADER,
  flatKindFields,
  type FlatKindFields,
  type Provider,
  type ProviderBase,
  type ProviderKind,
  type ProviderRecord,
} from '../core/model.js';
import { invalid } from './issues.js';
import { mergeBaseUrl } from '../core/unset-base-url.js';
import { mergeMaxResultTokens, mergeRateLimit, type ProviderInput } from './schemas.js';
import { dropMovedSecrets } from './moved-secrets.js';
import { mergePayload, mergeSecret, mergeSecretMap, parsePayloadObject } from '../core/secret-merge.js';
import { refuseStdioChange, type ProviderWriteRules } from './write-rules.js';
import { checkOAuth, GRANT_MODES, mergeOAuth, toOAuthSettings, type OAuthDraft } from './resolve-oauth.js';

/**
 * A provider being worked out from a request, in HandsAI's flat shape: the request's fields merged
 * over the stored ones, not yet checked. Only a draft that passes `checkProvider` becomes a record.
 */
export type ProviderDraft = Omit<ProviderBase, 'id' | 'createdAt' | 'updatedAt' | 'oauth'> & FlatKindFields & { kind: ProviderKind; oauth: OAuthDraft | null };

/** A provider write worked out: the record to store, and the stored secrets it dropped because their origin moved. */
export interface ResolvedProvider {
  record: ProviderRecord;
  droppedSecrets: string[];
}

/**
 * Merges an input (create when `existing` is null, partial update otherwise) into a complete record
 * and checks the rules that span fields. Throws one INVALID_INPUT error naming every problem, or
 * FORBIDDEN when the writer may not produce the result (a stdio command over HTTP). The rules judge
 * the resulting record, not the request, so no sequence of partial updates can get around them.
 */
export function resolveProvider(input: ProviderInput, existing: Provider | null, subject: string, rules: ProviderWriteRules): ResolvedProvider {
  const stored: ProviderDraft | null = existing ? { ...existing, ...flatKindFields(existing) } : null;
  // null in a partial update means "not given", like an absent field: it never resets to a default.
  const pick = <K extends keyof ProviderInput & keyof ProviderDraft>(key: K, fallback: ProviderDraft[K]): ProviderDraft[K] => {
    const value = input[key];
    if (value !== undefined && value !== null) return value as ProviderDraft[K];
    return stored ? stored[key] : fallback;
  };
  const text = (
    key:
      | 'name'
      | 'baseUrl'
      | 'apiKeyName'
      | 'dynamicAuthUrl'
      | 'dynamicAuthTokenExtractionPath'
      | 'dynamicAuthInvalidationKeywords'
      | 'userId'
      | 'url'
      | 'command',
  ) => {
    const value = input[key];
    if (value === undefined || (value === null && stored)) return stored ? stored[key] : null;
    const trimmed = value === null ? '' : value.trim();
    return trimmed === '' ? null : trimmed;
  };

  const draft: ProviderDraft = {
    name: text('name') ?? '',
    code: (input.code ?? '').trim() || stored?.code || '',
    // A base URL still to set (an OpenAPI document without a server) never replaces one set, and a bare origin set over it keeps its path prefix.
    baseUrl: mergeBaseUrl(text('baseUrl'), stored?.baseUrl ?? null),
    authenticationType: pick('authenticationType', 'NONE'),
    apiKeyLocation: pick('apiKeyLocation', 'NONE'),
    apiKeyName: text('apiKeyName'),
    apiKeyValue: mergeSecret(input.apiKeyValue, stored?.apiKeyValue ?? null),
    isExportable: pick('isExportable', true),
    customHeaders: input.customHeaders ? mergeSecretMap(input.customHeaders, stored?.customHeaders ?? {}) : (stored?.customHeaders ?? {}),
    isDynamicAuth: pick('isDynamicAuth', false),
    dynamicAuthUrl: text('dynamicAuthUrl'),
    dynamicAuthMethod: pick('dynamicAuthMethod', null),
    dynamicAuthPayload: mergePayload(input.dynamicAuthPayload, stored?.dynamicAuthPayload ?? null),
    dynamicAuthPayloadType: pick('dynamicAuthPayloadType', null),
    dynamicAuthPayloadLocation: pick('dynamicAuthPayloadLocation', null),
    dynamicAuthTokenExtractionPath: text('dynamicAuthTokenExtractionPath'),
    dynamicAuthInvalidationKeywords: text('dynamicAuthInvalidationKeywords'),
    enabled: pick('enabled', true),
    credentialMode: pick('credentialMode', 'shared'),
    oauth: null,
    rateLimit: mergeRateLimit(input.rateLimit, stored?.rateLimit ?? null),
    maxResultTokens: mergeMaxResultTokens(input.maxResultTokens, stored?.maxResultTokens ?? null),
    fenceUpstreamText: pick('fenceUpstreamText', false),
    kind: pick('kind', 'http'),
    toolMode: pick('toolMode', 'direct'),
    userId: text('userId'),
    url: text('url'),
    protocol: pick('protocol', null),
    command: text('command'),
    args: pick('args', []),
    env: input.env ? mergeSecretMap(input.env, stored?.env ?? {}) : (stored?.env ?? {}),
  };
  draft.oauth = mergeOAuth(input.oauth, existing?.oauth ?? null, draft.authenticationType === 'OAUTH2');
  if (draft.authenticationType === 'OAUTH2') {
    // The token is the credential: a key stored from before would never be sent, so it is not kept.
    draft.apiKeyValue = null;
    // Each grant allows one mode (GRANT_MODES); unless the write says otherwise, the provider takes it.
    if (draft.oauth && (input.credentialMode === undefined || input.credentialMode === null)) draft.credentialMode = GRANT_MODES[draft.oauth.grant];
  }
  if (draft.authenticationType === 'API_KEY' && draft.apiKeyLocation === 'NONE') draft.apiKeyLocation = 'HEADER';
  if (draft.authenticationType === 'API_KEY' && draft.apiKeyLocation === 'HEADER' && !draft.apiKeyName) draft.apiKeyName = DEFAULT_API_KEY_HEADER;
  if (draft.kind === 'mcp' && !draft.protocol) draft.protocol = draft.command ? 'stdio' : 'streamable_http';
  if (draft.kind !== 'mcp' || draft.protocol !== 'stdio') {
    // A provider that stops being stdio forgets what it ran, so nothing stored can make it run again.
    draft.command = null;
    draft.args = [];
    draft.env = {};
  }

  // The lock first: over HTTP, fixing the fields of a stdio provider would only lead to this refusal.
  refuseStdioChange(draft, stored, rules, subject);
  const issues = checkProvider(draft);
  if (issues.length > 0) throw invalid(subject, issues);
  const record = toRecord(draft);
  const droppedSecrets = dropMovedSecrets(record, existing, input);
  return { record, droppedSecrets };
}

/** A checked draft as the record it describes: only the fields of its kind are kept. */
function toRecord(draft: ProviderDraft): ProviderRecord {
  const { baseUrl, url, protocol, command, args, env, kind, oauth: oauthDraft, ...rest } = draft;
  const base = { ...rest, oauth: toOAuthSettings(oauthDraft) };
  if (kind === 'http') return { ...base, kind, baseUrl: baseUrl ?? '' };
  if (protocol === 'stdio') return { ...base, kind, transport: { protocol, command: command ?? '', args, env } };
  return { ...base, kind, transport: { protocol: protocol ?? 'streamable_http', url: url ?? '' } };
}

export function checkProvider(p: ProviderDraft): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!p.name) issues.push({ field: 'name', message: 'is required (a display name such as "GitHub API")' });
  if (p.kind === 'http') {
    if (!p.baseUrl) issues.push({ field: 'baseUrl', message: 'is required: the API root, such as https://api.example.com' });
    else if (!isHttpUrl(p.baseUrl))
      issues.push({ field: 'baseUrl', message: `must be an absolute http(s) URL such as https://api.example.com (got "${p.baseUrl}")` });
  } else {
    if (p.protocol === 'stdio') {
      if (!p.command) issues.push({ field: 'command', message: 'is required for a stdio MCP server (the program to run)' });
    } else if (!p.url) issues.push({ field: 'url', message: 'is required for an MCP server reached over streamable_http or sse' });
    else if (!isHttpUrl(p.url)) issues.push({ field: 'url', message: `must be an absolute http(s) URL (got "${p.url}")` });
    if (p.baseUrl) issues.push({ field: 'baseUrl', message: 'must be absent for kind "mcp" (use url or command)' });
  }
  if (p.authenticationType === 'API_KEY' && p.apiKeyLocation !== 'HEADER' && !p.apiKeyName) {
    issues.push({
      field: 'apiKeyName',
      message: `is required when the key goes in ${p.apiKeyLocation === 'IN_BODY' ? 'the body' : 'the query'} (the field name the API expects, such as "api_key")`,
    });
  }
  if (p.isDynamicAuth) {
    if (!p.dynamicAuthUrl) issues.push({ field: 'dynamicAuthUrl', message: 'is required when isDynamicAuth is true (the token endpoint)' });
    else if (!isHttpUrl(p.dynamicAuthUrl)) issues.push({ field: 'dynamicAuthUrl', message: `must be an absolute http(s) URL (got "${p.dynamicAuthUrl}")` });
  }
  const pathProblem = extractionPathIssue(p.dynamicAuthTokenExtractionPath);
  if (pathProblem) issues.push({ field: 'dynamicAuthTokenExtractionPath', message: pathProblem });
  if (p.dynamicAuthPayload && !parsePayloadObject(p.dynamicAuthPayload)) {
    issues.push({
      field: 'dynamicAuthPayload',
      message: 'must be a JSON object written as a string (such as "{\\"client_id\\":\\"…\\"}") or a form string such as "a=b&c=d"',
    });
  }
  issues.push(...checkOAuth(p.oauth, p, isHttpUrl));
  if (p.credentialMode !== 'shared' && p.kind === 'mcp' && p.protocol === 'stdio') {
    // One process serves everyone, with the env it was started with: there is no per-user key to send (SPEC §11).
    issues.push({
      field: 'credentialMode',
      message: `"${p.credentialMode}" needs a key per client, which a stdio MCP server cannot take (one process, one env for everyone); use "shared", or reach the server over streamable_http or sse`,
    });
  }
  for (const [name] of Object.entries(p.customHeaders)) {
    if (!isHeaderName(name)) issues.push({ field: `customHeaders.${name}`, message: 'is not a valid HTTP header name' });
  }
  return issues;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '';
  } catch {
    return false;
  }
}
