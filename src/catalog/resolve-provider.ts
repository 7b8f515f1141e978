import { isHeaderName } from '../core/forbidden-headers.js';
import { extractionPathIssue } from '../core/extraction-path.js';
import type { FieldIssue } from '../core/errors.js';
import type { ProviderRecord } from '../store/providers.js';
import { DEFAULT_API_KEY_HEADER, type Provider } from '../core/model.js';
import { invalid } from './issues.js';
import type { ProviderInput } from './schemas.js';
import { dropMovedSecrets } from './moved-secrets.js';
import { mergePayload, mergeSecret, mergeSecretMap, parsePayloadObject } from '../core/secret-merge.js';
import { isStdio, refuseStdioChange, type ProviderWriteRules } from './write-rules.js';

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
  // null in a partial update means "not given", like an absent field: it never resets to a default.
  const pick = <K extends keyof ProviderInput & keyof Provider>(key: K, fallback: Provider[K]): Provider[K] => {
    const value = input[key];
    if (value !== undefined && value !== null) return value as Provider[K];
    return existing ? existing[key] : fallback;
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
    if (value === undefined || (value === null && existing)) return existing ? existing[key] : null;
    const trimmed = value === null ? '' : value.trim();
    return trimmed === '' ? null : trimmed;
  };

  const record: ProviderRecord = {
    name: text('name') ?? '',
    code: (input.code ?? '').trim() || existing?.code || '',
    baseUrl: text('baseUrl'),
    authenticationType: pick('authenticationType', 'NONE'),
    apiKeyLocation: pick('apiKeyLocation', 'NONE'),
    apiKeyName: text('apiKeyName'),
    apiKeyValue: mergeSecret(input.apiKeyValue, existing?.apiKeyValue ?? null),
    isExportable: pick('isExportable', true),
    customHeaders: input.customHeaders ? mergeSecretMap(input.customHeaders, existing?.customHeaders ?? {}) : (existing?.customHeaders ?? {}),
    isDynamicAuth: pick('isDynamicAuth', false),
    dynamicAuthUrl: text('dynamicAuthUrl'),
    dynamicAuthMethod: pick('dynamicAuthMethod', null),
    dynamicAuthPayload: mergePayload(input.dynamicAuthPayload, existing?.dynamicAuthPayload ?? null),
    dynamicAuthPayloadType: pick('dynamicAuthPayloadType', null),
    dynamicAuthPayloadLocation: pick('dynamicAuthPayloadLocation', null),
    dynamicAuthTokenExtractionPath: text('dynamicAuthTokenExtractionPath'),
    dynamicAuthInvalidationKeywords: text('dynamicAuthInvalidationKeywords'),
    enabled: pick('enabled', true),
    kind: pick('kind', 'http'),
    toolMode: pick('toolMode', 'direct'),
    userId: text('userId'),
    url: text('url'),
    protocol: pick('protocol', null),
    command: text('command'),
    args: pick('args', []),
    env: input.env ? mergeSecretMap(input.env, existing?.env ?? {}) : (existing?.env ?? {}),
  };
  if (record.authenticationType === 'API_KEY' && record.apiKeyLocation === 'NONE') record.apiKeyLocation = 'HEADER';
  if (record.authenticationType === 'API_KEY' && record.apiKeyLocation === 'HEADER' && !record.apiKeyName) record.apiKeyName = DEFAULT_API_KEY_HEADER;
  if (record.kind === 'mcp' && !record.protocol) record.protocol = record.command ? 'stdio' : 'streamable_http';
  if (!isStdio(record)) {
    // A provider that stops being stdio forgets what it ran, so nothing stored can make it run again.
    record.command = null;
    record.args = [];
    record.env = {};
  }

  // The lock first: over HTTP, fixing the fields of a stdio provider would only lead to this refusal.
  refuseStdioChange(record, existing, rules, subject);
  const issues = checkProvider(record);
  if (issues.length > 0) throw invalid(subject, issues);
  const droppedSecrets = dropMovedSecrets(record, existing, input);
  return { record, droppedSecrets };
}

export function checkProvider(p: ProviderRecord): FieldIssue[] {
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
