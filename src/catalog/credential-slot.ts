import { credentialPlacement } from '../core/credential-placement.js';
import type { Provider } from '../core/model.js';
import { locationOf, pathParameterNames } from '../core/path.js';
import type { ToolRecord } from '../store/tools.js';

/**
 * A tool parameter that is the provider's own API-key slot — same name and place as `apiKeyName` — asks
 * the agent for the very secret toolwire injects (HandsAI's Tavily example lists `api_key` in the body).
 * An import leaves it out (the key is sent anyway) and says so; the OpenAPI converter drops such a
 * parameter for the same reason (`openapi/security.ts`).
 */
export function withoutCredentialSlot(record: ToolRecord, provider: Provider, notes: string[]): ToolRecord {
  if (provider.kind !== 'http') return record;
  const place = credentialPlacement(provider);
  if (place.in !== 'header' && place.in !== 'query' && place.in !== 'body') return record;
  const pathNames = pathParameterNames(record.endpointPath);
  const isSlot = (p: ToolRecord['parameters'][number]): boolean => {
    const sent = p.apiName ?? p.name;
    const location = locationOf(p, pathNames, record.httpMethod);
    if (place.in === 'header') return location === 'HEADER' && sent.toLowerCase() === place.name.toLowerCase();
    // A body key goes to the query of a request without a body (GET, DELETE), as the call path places it.
    const where = place.in === 'query' || record.httpMethod === 'GET' || record.httpMethod === 'DELETE' ? 'QUERY' : 'BODY';
    return location === where && sent === place.name;
  };
  const slot = record.parameters.find(isSlot);
  if (!slot) return record;
  notes.push(
    `tool "${record.code}": parameter "${slot.name}" was left out — it is where provider "${provider.code}" sends its API key (apiKeyName "${place.name}"), which toolwire fills in on every call.`,
  );
  return { ...record, parameters: record.parameters.filter((p) => p !== slot) };
}
