import type { OutgoingRequest } from '../http/request.js';
import { DEFAULT_API_KEY_HEADER, type AuthenticationType, type Provider } from '../../core/model.js';
import { isJsonObject } from '../../core/json.js';

/**
 * One strategy per authenticationType; the `Record` makes the compiler check the map is complete.
 * Strategies run after the arguments are placed, so an argument can never override a credential.
 */
type Strategy = (request: OutgoingRequest, credential: string, provider: Provider) => void;

const STRATEGIES: Record<AuthenticationType, Strategy> = {
  NONE: () => {},
  API_KEY: injectApiKey,
  BEARER_TOKEN: (request, credential) => {
    request.headers.authorization = /^bearer\s/i.test(credential) ? credential : `Bearer ${credential}`;
  },
  BASIC_AUTH: (request, credential) => {
    request.headers.authorization = `Basic ${basicValue(credential)}`;
  },
};

/** `user:pass` is encoded; anything else is taken as already encoded. A leading "Basic " is tolerated. */
export function basicValue(credential: string): string {
  const bare = credential.replace(/^basic\s+/i, '');
  return bare.includes(':') ? Buffer.from(bare, 'utf8').toString('base64') : bare;
}

function injectApiKey(request: OutgoingRequest, credential: string, provider: Provider): void {
  const name = provider.apiKeyName || DEFAULT_API_KEY_HEADER;
  const location = provider.apiKeyLocation === 'NONE' ? 'HEADER' : provider.apiKeyLocation;
  const bodyless = request.method === 'GET' || request.method === 'DELETE';
  if (location === 'HEADER') {
    request.headers[name.toLowerCase()] = credential;
  } else if (location === 'QUERY_PARAMETER' || bodyless || !isJsonObject(request.body)) {
    // IN_BODY on a request without a JSON object body goes to the query rather than being dropped.
    request.query = request.query.filter(([key]) => key !== name);
    request.query.push([name, credential]);
    request.queryCredential = [name, credential];
  } else {
    (request.body as Record<string, unknown>)[name] = credential;
  }
}

/**
 * Injects the credential by the provider's settings. A dynamic token on a provider whose
 * authenticationType is NONE is sent as a bearer token (SPEC §6).
 */
export function injectCredential(request: OutgoingRequest, provider: Provider, credential: string | null): void {
  if (credential === null || credential === '') return;
  const type = provider.isDynamicAuth && provider.authenticationType === 'NONE' ? 'BEARER_TOKEN' : provider.authenticationType;
  STRATEGIES[type](request, credential, provider);
}
