import { credentialSlot, isCredentialSlot } from '../core/credential-placement.js';
import type { Provider } from '../core/model.js';
import { locationOf, pathParameterNames } from '../core/path.js';
import type { ToolRecord } from '../store/tools.js';

/**
 * A tool parameter that is the provider's own API-key slot — same name and place as `apiKeyName` — asks
 * the agent for the very secret toolwire injects (HandsAI's Tavily example lists `api_key` in the body).
 * An import leaves it out (the key is sent anyway) and says so; the OpenAPI converter drops such a
 * parameter by the same check (`core/credential-placement.ts`).
 */
export function withoutCredentialSlot(record: ToolRecord, provider: Provider, notes: string[]): ToolRecord {
  if (provider.kind !== 'http') return record;
  const slot = credentialSlot(provider);
  if (slot === undefined) return record;
  const pathNames = pathParameterNames(record.endpointPath);
  const found = record.parameters.find((p) => isCredentialSlot(p.apiName ?? p.name, locationOf(p, pathNames, record.httpMethod), slot, record.httpMethod));
  if (!found) return record;
  notes.push(
    `tool "${record.code}": parameter "${found.name}" was left out — it is where provider "${provider.code}" sends its API key (apiKeyName "${slot.name}"), which toolwire fills in on every call.`,
  );
  return { ...record, parameters: record.parameters.filter((p) => p !== found) };
}
