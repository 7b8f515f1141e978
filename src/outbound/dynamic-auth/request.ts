import type { Dispatcher } from 'undici';
import { isToolwireError } from '../../core/errors.js';
import { blockedCause } from '../address-policy.js';
import type { DynamicAuthMethod, Provider } from '../../core/model.js';
import { parseDynamicAuthPayload, parseDynamicAuthPayloadObject } from './payload.js';
import { describeNetworkFailure } from './network-failure.js';
import { tokenError } from './token-error.js';

/** What will be sent to the token endpoint; built apart from sending so it can be checked without a network. */
export interface TokenRequest {
  url: string;
  method: DynamicAuthMethod;
  headers: Record<string, string>;
  body: string | null;
}

/** The token endpoint's answer, status unchecked. */
export interface TokenResponse {
  status: number;
  statusText: string;
  contentType: string;
  /** The `Location` of a redirect, which is not followed (it could carry header credentials elsewhere). */
  location: string | null;
  text: string;
}

/** Token answers are small; a cap keeps a misconfigured URL (a download, a stream) from eating memory. */
const MAX_ANSWER_BYTES = 1024 * 1024;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fail(provider: Provider, cause: string, fix: string, error?: unknown): never {
  throw tokenError('request', provider.code, cause, fix, error);
}

function tokenUrl(provider: Provider): URL {
  const fix = 'Set dynamicAuthUrl to the absolute http(s) URL of the token endpoint.';
  if (!provider.dynamicAuthUrl?.trim()) fail(provider, 'dynamicAuthUrl is not set', fix);
  let url: URL;
  try {
    url = new URL(provider.dynamicAuthUrl.trim());
  } catch {
    fail(provider, 'dynamicAuthUrl is not a valid absolute URL', fix);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(provider, 'dynamicAuthUrl is not http(s)', fix);
  return url;
}

/** Appends to the query the URL already has, percent-encoding keys and values (no `+` for spaces). */
function appendQuery(url: URL, fields: Record<string, string>): void {
  const extra = Object.entries(fields)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  if (extra === '') return;
  url.search = url.search.length > 1 ? `${url.search}&${extra}` : `?${extra}`;
}

/** Payload keys become header names as given; only keys are ever named in messages, never values. */
function payloadHeaders(provider: Provider, fields: Record<string, string>): Record<string, string> {
  const fix = 'Check dynamicAuthPayload: with dynamicAuthPayloadLocation HEADERS its keys are header names.';
  for (const [key, value] of Object.entries(fields)) {
    if (!HEADER_NAME.test(key)) fail(provider, `dynamicAuthPayload key "${key}" is not a valid header name`, fix);
    if (/[\r\n\0]/.test(value)) fail(provider, `the value of dynamicAuthPayload key "${key}" contains a line break`, fix);
  }
  return fields;
}

/** A stored payload that cannot be read is a token-fetch failure of this provider, not an input error. */
function payload<T>(provider: Provider, parse: (raw: string | null) => T): T {
  try {
    return parse(provider.dynamicAuthPayload);
  } catch (err) {
    const problem = isToolwireError(err) ? err.message : 'dynamicAuthPayload could not be read';
    return fail(provider, problem, 'Fix dynamicAuthPayload.', err);
  }
}

/**
 * The token request, by method (default POST), payload type (default JSON) and location (default BODY).
 * A GET has no body, so a BODY payload on a GET goes to the query string instead of being dropped.
 * QUERY_PARAMETERS and HEADERS carry strings whatever the payload type.
 */
export function buildTokenRequest(provider: Provider): TokenRequest {
  const url = tokenUrl(provider);
  const method = provider.dynamicAuthMethod ?? 'POST';
  const type = provider.dynamicAuthPayloadType ?? 'JSON';
  const location = provider.dynamicAuthPayloadLocation ?? 'BODY';
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.8' };
  let body: string | null = null;
  if (location === 'BODY' && method === 'POST' && type === 'JSON') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(payload(provider, parseDynamicAuthPayloadObject));
  } else if (location === 'BODY' && method === 'POST') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(payload(provider, parseDynamicAuthPayload)).toString();
  } else if (location === 'HEADERS') {
    Object.assign(headers, payloadHeaders(provider, payload(provider, parseDynamicAuthPayload)));
  } else {
    appendQuery(url, payload(provider, parseDynamicAuthPayload));
  }
  return { url: url.href, method, headers, body };
}

async function readCapped(response: Response): Promise<string | null> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends the token request once (no retry: a token endpoint may lock accounts on repeated failures).
 * The deadline covers reading the answer too, not only its headers.
 */
export async function requestToken(provider: Provider, timeoutMs: number, dispatcher?: Dispatcher): Promise<TokenResponse> {
  const request = buildTokenRequest(provider);
  const deadline = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string | null;
  try {
    // Loaded on the first token fetch: servers without dynamic auth never pay for it at start.
    const { default: ky } = await import('ky');
    response = await ky(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      retry: 0,
      throwHttpErrors: false,
      timeout: timeoutMs,
      signal: deadline,
      redirect: 'manual',
      // TOOLWIRE_BLOCK_PRIVATE: the connection goes through the guarded connector (ky passes it to fetch).
      // (npm undici's Dispatcher type differs from the one bundled with Node's types, hence `object`.)
      ...(dispatcher ? ({ dispatcher } as object) : {}),
    });
    text = await readCapped(response);
  } catch (err) {
    const blocked = blockedCause(err);
    if (blocked) fail(provider, blocked.refusal, 'Check dynamicAuthUrl.', blocked);
    const cause = describeNetworkFailure(err, timeoutMs, deadline.aborted);
    return fail(provider, cause, 'Check dynamicAuthUrl and that the token endpoint is reachable from this machine.', err);
  }
  if (text === null) {
    throw tokenError('parse', provider.code, 'the answer is larger than 1 MB', 'Check dynamicAuthUrl.');
  }
  return {
    status: response.status,
    statusText: response.statusText,
    contentType: response.headers.get('content-type') ?? '',
    location: response.headers.get('location'),
    text,
  };
}
