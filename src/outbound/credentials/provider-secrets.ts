import { parsePayloadObject } from '../../core/secret-merge.js';
import { isConfigurationHeader } from '../../core/redact.js';
import type { Provider } from '../../core/model.js';

/**
 * Every secret of a provider as it is stored: its key, every custom header value whatever its name
 * (`X-Passphrase` too) but the few known to be configuration (Accept, User-Agent, `*-Version`…), and
 * the values of its dynamic-auth payload, its OAuth client secret. What results, previews and log lines must never show.
 */
export function providerSecrets(provider: Provider): string[] {
  const headers = Object.entries(provider.customHeaders)
    .filter(([name]) => !isConfigurationHeader(name))
    .map(([, value]) => value);
  const payload = provider.dynamicAuthPayload ? parsePayloadObject(provider.dynamicAuthPayload) : null;
  const payloadValues = payload ? payloadSecrets(payload.values) : [];
  const clientSecret = provider.oauth?.clientSecret;
  return [...(provider.apiKeyValue ? [provider.apiKeyValue] : []), ...headers, ...payloadValues, ...(clientSecret ? [clientSecret] : [])];
}

/** Payload fields that name a flow, not a credential: masking "password" or "client_credentials" everywhere would scrub ordinary words. */
const NOT_SECRET_FIELDS = new Set(['grant_type', 'scope', 'audience', 'response_type', 'token_type', 'resource']);

/** Every value of a payload, nested objects and numbers included (a PIN is a secret too), but flow names. */
function payloadSecrets(values: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (key: string, value: unknown): void => {
    if (NOT_SECRET_FIELDS.has(key.toLowerCase())) return;
    if (typeof value === 'string' || typeof value === 'number') out.push(String(value));
    else if (Array.isArray(value)) for (const item of value) walk(key, item);
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(k, v);
  };
  for (const [key, value] of Object.entries(values)) walk(key, value);
  return out;
}
