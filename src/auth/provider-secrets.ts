import { parsePayloadObject } from '../catalog/secret-merge.js';
import { isConfigurationHeader } from '../redact.js';
import type { Provider } from '../store/types.js';

/**
 * Every secret of a provider as it is stored: its key, every custom header value whatever its name
 * (`X-Passphrase` too) but the few known to be configuration (Accept, User-Agent, `*-Version`…), and
 * the values of its dynamic-auth payload. What results, previews and log lines must never show.
 */
export function providerSecrets(provider: Provider): string[] {
  const headers = Object.entries(provider.customHeaders).filter(([name]) => !isConfigurationHeader(name)).map(([, value]) => value);
  const payload = provider.dynamicAuthPayload ? parsePayloadObject(provider.dynamicAuthPayload) : null;
  const payloadValues = payload ? Object.values(payload.values).filter((value): value is string => typeof value === 'string') : [];
  return [...(provider.apiKeyValue ? [provider.apiKeyValue] : []), ...headers, ...payloadValues];
}
