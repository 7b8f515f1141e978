/**
 * Where a provider's credential goes, decided once for every user of it: the call path that injects it,
 * `provider test` that describes it, and the OpenAPI import that drops a parameter duplicating it.
 */
import { Buffer } from 'node:buffer';
import { DEFAULT_API_KEY_HEADER, type ApiKeyLocation, type AuthenticationType, type HttpMethod, type ParameterLocation } from './model.js';

export type CredentialPlacement =
  | { in: 'none' }
  | { in: 'authorization'; scheme: 'Bearer' | 'Basic' }
  /**
   * An API key under `name`; `named` says whether apiKeyName gave it (else it is the default header name).
   * `body` goes to the query on a request without a JSON object body (GET, DELETE) rather than being dropped.
   */
  | { in: 'header' | 'query' | 'body'; name: string; named: boolean };

/** The provider fields placement depends on. */
export interface CredentialSettings {
  authenticationType: AuthenticationType;
  apiKeyLocation: ApiKeyLocation;
  apiKeyName: string | null;
  isDynamicAuth: boolean;
}

const NOWHERE: CredentialPlacement = { in: 'none' };
const BEARER: CredentialPlacement = { in: 'authorization', scheme: 'Bearer' };
const BASIC: CredentialPlacement = { in: 'authorization', scheme: 'Basic' };
const API_KEY_PLACES = { NONE: 'header', HEADER: 'header', QUERY_PARAMETER: 'query', IN_BODY: 'body' } as const;

/** A dynamic token on a provider whose authenticationType is NONE is sent as a bearer token (SPEC §6). */
export function credentialPlacement(settings: CredentialSettings): CredentialPlacement {
  switch (settings.authenticationType) {
    case 'NONE':
      return settings.isDynamicAuth ? BEARER : NOWHERE;
    case 'BEARER_TOKEN':
    case 'OAUTH2':
      return BEARER;
    case 'BASIC_AUTH':
      return BASIC;
    case 'API_KEY':
      return {
        in: API_KEY_PLACES[settings.apiKeyLocation],
        name: settings.apiKeyName || DEFAULT_API_KEY_HEADER,
        named: !!settings.apiKeyName,
      };
  }
}

/** Where the API key goes as a tool argument would name it: a parameter there asks the agent for the key toolwire injects. */
export interface CredentialSlot {
  location: 'HEADER' | 'QUERY' | 'BODY';
  name: string;
}

/** The API key's place, for the checks that drop a parameter duplicating it (OpenAPI import, HandsAI import); none for other kinds. */
export function credentialSlot(settings: CredentialSettings): CredentialSlot | undefined {
  const place = credentialPlacement(settings);
  if (place.in === 'header') return { location: 'HEADER', name: place.name };
  if (place.in === 'query') return { location: 'QUERY', name: place.name };
  if (place.in === 'body') return { location: 'BODY', name: place.name };
  return undefined;
}

/**
 * Whether an argument sent as `name` at `location` is the slot: header names compared ignoring case; a
 * body key goes to the query of a request without a body (GET, DELETE), as the call path places it.
 */
export function isCredentialSlot(name: string, location: ParameterLocation, slot: CredentialSlot | undefined, method?: HttpMethod): boolean {
  if (slot === undefined) return false;
  const where = slot.location === 'BODY' && (method === 'GET' || method === 'DELETE') ? 'QUERY' : slot.location;
  if (where !== location) return false;
  return location === 'HEADER' ? slot.name.toLowerCase() === name.toLowerCase() : slot.name === name;
}

/** The Authorization value: a credential already starting with "Bearer " is sent as it is. */
export function authorizationValue(scheme: 'Bearer' | 'Basic', credential: string): string {
  if (scheme === 'Basic') return `Basic ${basicValue(credential)}`;
  return /^bearer\s/i.test(credential) ? credential : `Bearer ${credential}`;
}

/** `user:pass` is encoded; anything else is taken as already encoded. A leading "Basic " is tolerated. */
function basicValue(credential: string): string {
  const bare = credential.replace(/^basic\s+/i, '');
  return bare.includes(':') ? Buffer.from(bare, 'utf8').toString('base64') : bare;
}
