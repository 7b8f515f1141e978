import { providerSecrets } from '../../outbound/credentials/provider-secrets.js';
import { injectCredential } from '../../outbound/credentials/strategies.js';
import { planRequest, requestUrl, type OutgoingRequest } from '../../outbound/http/request.js';
import { createRedactor, isCredentialHeaderName, REDACTED, redactText, redactValue, type Redactor } from '../../core/redact.js';
import { MASKED_VALUE, type Parameter, type Provider, type Tool } from '../../core/model.js';
import { isJsonObject } from '../../core/json.js';
import { isRequiredArgument } from '../../core/input-schema.js';

/** A tool's request as it would be sent with example arguments, every secret shown as `generic_text`. */
export interface DryRun {
  arguments: Record<string, unknown>;
  credential: { source: 'stored' | 'dynamic' | 'missing' | 'none'; placedIn: string[] };
  request: { method: string; url: string; headers: Record<string, string>; body: unknown };
}

/** A value a parameter could take: its first enum value or schema example, else one of its type. */
export function exampleValue(p: Parameter): unknown {
  if (p.enum && p.enum.length > 0) return p.enum[0];
  if (p.schema?.example !== undefined) return p.schema.example;
  if (Array.isArray(p.schema?.examples) && p.schema.examples.length > 0) return p.schema.examples[0];
  switch (p.type) {
    case 'NUMBER':
    case 'INTEGER':
      return 1;
    case 'BOOLEAN':
      return true;
    case 'ARRAY':
      return [`example-${p.name}`];
    case 'OBJECT':
      return {};
    default:
      return `example-${p.name}`;
  }
}

/** Example values for the required parameters that have no default (defaults apply by themselves). */
export function exampleArguments(parameters: Parameter[]): Record<string, unknown> {
  return Object.fromEntries(parameters.filter(isRequiredArgument).map((p) => [p.name, exampleValue(p)]));
}

function credentialSource(provider: Provider): DryRun['credential']['source'] {
  // An OAuth 2 token, like a dynamic one, is obtained when the call is made.
  if (provider.isDynamicAuth || provider.oauth) return 'dynamic';
  if (provider.authenticationType === 'NONE') return 'none';
  return provider.apiKeyValue ? 'stored' : 'missing';
}

/**
 * Injects a stand-in instead of the credential (the real one never enters the dry run) and reports
 * where the strategy put it, by comparing the request before and after.
 */
function injectStandIn(request: OutgoingRequest, provider: Provider): string[] {
  const headers = { ...request.headers };
  const query = new Set(request.query.map(([k, v]) => `${k}=${v}`));
  const body = isJsonObject(request.body) ? { ...request.body } : {};
  injectCredential(request, provider, MASKED_VALUE);
  const placed: string[] = [];
  for (const [k, v] of Object.entries(request.headers)) if (headers[k] !== v) placed.push(`header ${k}`);
  for (const [k, v] of request.query) if (!query.has(`${k}=${v}`)) placed.push(`query ${k}`);
  if (isJsonObject(request.body)) for (const [k, v] of Object.entries(request.body)) if (body[k] !== v) placed.push(`body ${k}`);
  return placed;
}

/** The provider's secrets as they could appear anywhere in the request (a key pasted into a path…). */
function secretRedactor(provider: Provider): Redactor {
  const redact = createRedactor(providerSecrets(provider));
  return (text) => redactText(text, redact).replaceAll(REDACTED, MASKED_VALUE);
}

/** `redactValue` masks a number that spells a secret as `[REDACTED]`; the dry run shows `generic_text`. */
function masked(value: unknown): unknown {
  if (value === REDACTED) return MASKED_VALUE;
  if (Array.isArray(value)) return value.map(masked);
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  return value;
}

export function dryRun(tool: Tool, provider: Provider): DryRun {
  const args = exampleArguments(tool.parameters);
  // A tool stored under an MCP provider has no API root: its path is shown as it is.
  const request = planRequest(tool, provider.kind === 'http' ? provider.baseUrl : '', provider.customHeaders).build(args);
  const source = credentialSource(provider);
  const placedIn = source === 'stored' || source === 'dynamic' ? injectStandIn(request, provider) : [];
  if (request.body !== undefined && !('content-type' in request.headers)) request.headers['content-type'] = 'application/json';

  const redact = secretRedactor(provider);
  const custom = new Set(Object.keys(provider.customHeaders).map((k) => k.toLowerCase()));
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k, k === 'authorization' || custom.has(k) || isCredentialHeaderName(k) ? MASKED_VALUE : redact(v)]),
  );
  request.query = request.query.map(([k, v]) => [k, redact(v)]);
  return {
    arguments: args,
    credential: { source, placedIn },
    request: {
      method: request.method,
      url: redact(requestUrl(request)),
      headers,
      body: request.body === undefined ? null : masked(redactValue(request.body, redact)),
    },
  };
}
