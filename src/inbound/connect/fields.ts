import type { Provider } from '../../core/model.js';
import { readPayload } from '../../core/payload.js';

/**
 * What the connect page asks for (SPEC §11): exactly the provider's secret fields, named as the
 * credential API names them — `apiKeyValue` (API key, bearer, basic), one field per key of the
 * dynamic-auth payload (`dynamicAuthPayload.KEY`, gathered into `dynamicAuthPayload`), `api_key` (an
 * upstream MCP server) — or, for an OAuth 2 provider, nothing but the identity before the redirect.
 */
export type ConnectForm = { kind: 'secrets'; fields: FormField[] } | { kind: 'oauth2' } | { kind: 'unsupported'; reason: string };

export interface FormField {
  /** The form field's name. */
  name: string;
  label: string;
  hint: string;
  /** Where its value goes in the credential: a top-level field, or a key of `dynamicAuthPayload`. */
  target: { field: 'apiKeyValue' | 'api_key' } | { field: 'dynamicAuthPayload'; key: string };
}

/** The form field name of a dynamic-auth payload key (prefixed: a payload key named `token` must not meet the identity's `token`). */
export const payloadFieldName = (key: string) => `dynamicAuthPayload.${key}`;

const API_KEY_HINTS: Record<string, { label: string; hint: string }> = {
  API_KEY: { label: 'API key', hint: 'Your own API key for this service.' },
  BEARER_TOKEN: { label: 'Bearer token', hint: 'Your own access token (without the "Bearer " prefix).' },
  BASIC_AUTH: { label: 'Username and password', hint: 'As username:password (or the base64 value of it).' },
};

export function connectForm(provider: Provider): ConnectForm {
  // OAUTH2 is another branch's authentication type: compared as a string until the model knows it.
  if ((provider.authenticationType as string) === 'OAUTH2') return { kind: 'oauth2' };
  if (provider.kind === 'mcp') {
    return {
      kind: 'secrets',
      fields: [
        {
          name: 'api_key',
          label: 'API key',
          hint: `Your own key for the MCP server "${provider.name}" (sent as a bearer token).`,
          target: { field: 'api_key' },
        },
      ],
    };
  }
  if (provider.isDynamicAuth) {
    const payload = readPayload(provider.dynamicAuthPayload);
    const keys = payload.ok ? Object.keys(payload.value) : [];
    if (keys.length === 0) return { kind: 'unsupported', reason: 'its login (dynamic auth) takes no values of yours, so there is nothing to enter here' };
    return {
      kind: 'secrets',
      fields: keys.map((key) => ({
        name: payloadFieldName(key),
        label: key,
        hint: 'Sent in your own login request for a token.',
        target: { field: 'dynamicAuthPayload', key },
      })),
    };
  }
  const apiKey = API_KEY_HINTS[provider.authenticationType];
  if (!apiKey) return { kind: 'unsupported', reason: 'it uses no credential (authenticationType NONE), so there is nothing to enter here' };
  return { kind: 'secrets', fields: [{ name: 'apiKeyValue', ...apiKey, target: { field: 'apiKeyValue' } }] };
}
