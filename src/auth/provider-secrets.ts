import { parsePayloadObject } from '../catalog/secret-merge.js';
import { isCredentialHeaderName } from '../redact.js';
import type { Provider } from '../store/types.js';

/**
 * Every secret of a provider as it is stored: its key, its credential-named custom headers and the
 * values of its dynamic-auth payload. What results, previews and log lines must never show.
 */
export function providerSecrets(provider: Provider): string[] {
  const headers = Object.entries(provider.customHeaders).filter(([name]) => isCredentialHeaderName(name)).map(([, value]) => value);
  const payload = provider.dynamicAuthPayload ? parsePayloadObject(provider.dynamicAuthPayload) : null;
  const payloadValues = payload ? Object.values(payload.values).filter((value): value is string => typeof value === 'string') : [];
  return [...(provider.apiKeyValue ? [provider.apiKeyValue] : []), ...headers, ...payloadValues];
}
