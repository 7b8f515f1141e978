/**
 * `securitySchemes` → the provider's credential fields. The scheme chosen is the first one named by
 * the global `security` requirement, else the first scheme declared; schemes toolwire cannot use
 * are passed over (with a warning) for the next one. Secrets stay `<YOUR_API_KEY>` placeholders and
 * `credentialsToFill` names the fields to set with `toolwire provider update`.
 */
import { type CredentialSlot, credentialSlot } from '../../core/credential-placement.js';
import { DEFAULT_API_KEY_HEADER, SECRET_PLACEHOLDER } from '../../core/model.js';
import type { ImportAuth } from './types.js';
import { asRecord, asString, isRecord, type Dict } from './util.js';

export interface AuthResult {
  auth: ImportAuth;
  credentialsToFill: string[];
  warnings: string[];
  /** Where the API key goes, so that a parameter duplicating it is dropped. */
  slot?: CredentialSlot | undefined;
}

const NO_AUTH: ImportAuth = {
  authenticationType: 'NONE',
  apiKeyLocation: 'NONE',
  apiKeyName: null,
  apiKeyValue: null,
  customHeaders: {},
  isDynamicAuth: false,
  dynamicAuthUrl: null,
  dynamicAuthMethod: null,
  dynamicAuthPayload: null,
  dynamicAuthPayloadType: null,
  dynamicAuthPayloadLocation: null,
  dynamicAuthTokenExtractionPath: null,
  dynamicAuthInvalidationKeywords: null,
};

const CLIENT_CREDENTIALS_PAYLOAD = JSON.stringify({
  grant_type: 'client_credentials',
  client_id: SECRET_PLACEHOLDER,
  client_secret: SECRET_PLACEHOLDER,
});

function bearer(apiKeyValue: string | null = SECRET_PLACEHOLDER): ImportAuth {
  return { ...NO_AUTH, authenticationType: 'BEARER_TOKEN', apiKeyLocation: 'HEADER', apiKeyName: 'Authorization', apiKeyValue };
}

/** Scheme names in the order they should be tried. */
function candidates(doc: Dict, schemes: Dict): string[] {
  const names: string[] = [];
  if (Array.isArray(doc.security)) {
    if (doc.security.length === 0) return []; // `security: []`: the API needs no credentials
    for (const requirement of doc.security) names.push(...Object.keys(asRecord(requirement)));
  }
  names.push(...Object.keys(schemes));
  return [...new Set(names)].filter((name) => isRecord(schemes[name]));
}

function fromApiKey(scheme: Dict, warnings: string[]): AuthResult | undefined {
  const name = asString(scheme.name) ?? DEFAULT_API_KEY_HEADER;
  const fill = ['apiKeyValue'];
  const base = { ...NO_AUTH, authenticationType: 'API_KEY' as const, apiKeyName: name, apiKeyValue: SECRET_PLACEHOLDER };
  if (scheme.in === 'header' || scheme.in === 'query') {
    const auth: ImportAuth = { ...base, apiKeyLocation: scheme.in === 'header' ? 'HEADER' : 'QUERY_PARAMETER' };
    return { auth, credentialsToFill: fill, warnings, slot: credentialSlot(auth) };
  }
  if (scheme.in === 'cookie') {
    warnings.push(`The API key is a cookie: set apiKeyValue to "${name}=<your key>" (it is sent as the Cookie header).`);
    return { auth: { ...base, apiKeyLocation: 'HEADER', apiKeyName: 'Cookie' }, credentialsToFill: fill, warnings };
  }
  return undefined;
}

/** A relative `tokenUrl` is relative to the server URL (OpenAPI 3.1 §4.8.1). */
function absolute(url: string, baseUrl: string): string {
  try {
    return new URL(url, `${baseUrl}/`).href;
  } catch {
    return url;
  }
}

function fromOAuth2(scheme: Dict, baseUrl: string, warnings: string[]): AuthResult {
  const flows = asRecord(scheme.flows);
  const rawTokenUrl = asString(asRecord(flows.clientCredentials).tokenUrl);
  const tokenUrl = rawTokenUrl === undefined ? undefined : absolute(rawTokenUrl, baseUrl);
  if (tokenUrl !== undefined) {
    if (Object.keys(asRecord(asRecord(flows.clientCredentials).scopes)).length > 0) {
      warnings.push('The token endpoint defines scopes: add a "scope" entry to dynamicAuthPayload if it requires one.');
    }
    return {
      auth: {
        ...bearer(null),
        isDynamicAuth: true,
        dynamicAuthUrl: tokenUrl,
        dynamicAuthMethod: 'POST',
        dynamicAuthPayload: CLIENT_CREDENTIALS_PAYLOAD,
        dynamicAuthPayloadType: 'FORM_DATA',
        dynamicAuthPayloadLocation: 'BODY',
        dynamicAuthTokenExtractionPath: '$.access_token',
      },
      credentialsToFill: ['dynamicAuthPayload.client_id', 'dynamicAuthPayload.client_secret'],
      warnings,
    };
  }
  warnings.push('OAuth2 without a client-credentials flow: obtain an access token yourself and set it as apiKeyValue.');
  return { auth: bearer(), credentialsToFill: ['apiKeyValue'], warnings };
}

function fromScheme(scheme: Dict, baseUrl: string, warnings: string[]): AuthResult | undefined {
  const type = String(scheme.type ?? '').toLowerCase();
  const httpScheme = String(scheme.scheme ?? '').toLowerCase();
  if (type === 'apikey') return fromApiKey(scheme, warnings);
  if (type === 'http' && httpScheme === 'bearer') return { auth: bearer(), credentialsToFill: ['apiKeyValue'], warnings };
  if (type === 'http' && httpScheme === 'basic') {
    warnings.push('Basic auth: set apiKeyValue to "user:password".');
    const auth: ImportAuth = { ...bearer(), authenticationType: 'BASIC_AUTH' };
    return { auth, credentialsToFill: ['apiKeyValue'], warnings };
  }
  if (type === 'oauth2') return fromOAuth2(scheme, baseUrl, warnings);
  if (type === 'openidconnect') {
    warnings.push('OpenID Connect: obtain an access token yourself and set it as apiKeyValue.');
    return { auth: bearer(), credentialsToFill: ['apiKeyValue'], warnings };
  }
  return undefined;
}

export function mapSecurity(doc: Dict, baseUrl: string): AuthResult {
  const schemes = asRecord(asRecord(doc.components).securitySchemes);
  const warnings: string[] = [];
  for (const name of candidates(doc, schemes)) {
    const result = fromScheme(asRecord(schemes[name]), baseUrl, warnings);
    if (result !== undefined) return result;
    warnings.push(`Security scheme "${name}" (${String(asRecord(schemes[name]).type)}) is not supported and was skipped.`);
  }
  return { auth: { ...NO_AUTH }, credentialsToFill: [], warnings };
}
