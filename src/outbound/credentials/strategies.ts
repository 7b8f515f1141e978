import type { OutgoingRequest } from '../http/request.js';
import { authorizationValue, credentialPlacement } from '../../core/credential-placement.js';
import type { Provider } from '../../core/model.js';
import { isJsonObject } from '../../core/json.js';

/**
 * Injects the credential where the provider's settings place it (core/credential-placement.ts). Runs
 * after the arguments are placed, so an argument can never override a credential.
 */
export function injectCredential(request: OutgoingRequest, provider: Provider, credential: string | null): void {
  if (credential === null || credential === '') return;
  const place = credentialPlacement(provider);
  if (place.in === 'none') return;
  if (place.in === 'authorization') {
    request.headers.authorization = authorizationValue(place.scheme, credential);
  } else if (place.in === 'header') {
    request.headers[place.name.toLowerCase()] = credential;
  } else if (place.in === 'query' || request.method === 'GET' || request.method === 'DELETE' || !isJsonObject(request.body)) {
    // IN_BODY on a request without a JSON object body goes to the query rather than being dropped.
    request.query = request.query.filter(([key]) => key !== place.name);
    request.query.push([place.name, credential]);
    request.queryCredential = [place.name, credential];
  } else {
    (request.body as Record<string, unknown>)[place.name] = credential;
  }
}
