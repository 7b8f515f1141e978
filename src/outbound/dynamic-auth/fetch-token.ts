import { STATUS_CODES } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Provider } from '../../core/model.js';
import { assertExtractionPath, extractToken, parseAnswer, type TokenAnswer } from './extract.js';
import { tokenLifetime, type LifetimeSource } from './lifetime.js';
import { parseDynamicAuthPayload } from './payload.js';
import { requestToken, type TokenResponse } from './request.js';
import { tokenError, type TokenFetchError } from './token-error.js';

/** One fetch from start to token: request, status, parse, extract, lifetime. No caching here. */

export interface FetchedToken {
  token: string;
  lifetimeMs: number;
  lifetimeSource: LifetimeSource;
  /** When the request left: the lifetime counts from here, so the clock never runs ahead of the server's. */
  fetchedAt: number;
}

export interface FetchTokenOptions {
  timeoutMs: number;
  defaultTtlMs: number;
  now: () => number;
  /** The guarded dispatcher when TOOLWIRE_BLOCK_PRIVATE is on; absent = fetch's default. */
  dispatcher?: (() => Dispatcher) | undefined;
}

function statusFix(status: number): string {
  if (status === 404 || status === 405) return 'Check dynamicAuthUrl and dynamicAuthMethod.';
  if (status === 415) return 'Check dynamicAuthPayloadType and dynamicAuthPayloadLocation.';
  if (status >= 500) return 'The token endpoint failed on its side; try again later, or check dynamicAuthUrl.';
  return 'Check dynamicAuthPayload (the credentials) and dynamicAuthUrl.';
}

/**
 * An OAuth/XRPC-style `error` code ("invalid_grant", "AuthenticationRequired") says what is wrong
 * better than the status. Shown only when it is a short identifier that contains no payload value.
 */
function errorCodeHint(provider: Provider, answer: TokenAnswer): string {
  const json = answer.json;
  if (typeof json !== 'object' || json === null) return '';
  const code = (json as Record<string, unknown>)['error'];
  if (typeof code !== 'string' || !/^[A-Za-z][\w.-]{0,63}$/.test(code)) return '';
  let secrets: string[];
  try {
    secrets = Object.values(parseDynamicAuthPayload(provider.dynamicAuthPayload)).filter((v) => v !== '');
  } catch {
    return '';
  }
  const lower = code.toLowerCase();
  return secrets.some((secret) => lower.includes(secret.toLowerCase())) ? '' : ` (error "${code}")`;
}

function statusError(provider: Provider, response: TokenResponse): TokenFetchError {
  // The standard reason phrase, not the server's: a reason phrase is free text the server chose.
  const text = STATUS_CODES[response.status] ?? '';
  const answered = `the token endpoint answered ${response.status}${text ? ` ${text}` : ''}`;
  if (response.status >= 300 && response.status < 400) {
    const target = response.location ? safeTarget(response.location) : '';
    const fix = `Redirects are not followed; set dynamicAuthUrl to the final URL${target ? ` (${target})` : ''}.`;
    return tokenError('status', provider.code, answered, fix);
  }
  const hint = errorCodeHint(provider, parseAnswer(response.text, response.contentType));
  return tokenError('status', provider.code, `${answered}${hint}`, statusFix(response.status));
}

/** A redirect target without its query or credentials, which could carry secrets. */
function safeTarget(location: string): string {
  try {
    const url = new URL(location);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '';
  }
}

/** Fetches a fresh token; every failure is a `TokenFetchError` with its step and a safe message. */
export async function fetchToken(provider: Provider, options: FetchTokenOptions): Promise<FetchedToken> {
  assertExtractionPath(provider.code, provider.dynamicAuthTokenExtractionPath);
  const fetchedAt = options.now();
  const response = await requestToken(provider, options.timeoutMs, options.dispatcher?.());
  if (response.status < 200 || response.status >= 300) throw statusError(provider, response);
  const answer = parseAnswer(response.text, response.contentType);
  const token = extractToken(provider.code, answer, provider.dynamicAuthTokenExtractionPath);
  const lifetime = tokenLifetime(answer.json, token, options.defaultTtlMs, fetchedAt);
  return { token, lifetimeMs: lifetime.ms, lifetimeSource: lifetime.source, fetchedAt };
}
