import * as oauth from 'oauth4webapi';
import { blockedCause } from '../address-policy.js';
import { describeNetworkFailure } from '../dynamic-auth/network-failure.js';

/**
 * Why a token-endpoint exchange failed, in words safe to show (never a token, a code or the secret):
 * the OAuth `error` code the server answered, a status, or the network cause. `refused` is true when the
 * authorization server itself said no (a 4xx OAuth error: an expired or revoked grant, a wrong secret),
 * which no retry fixes; false for failures that may pass (network, 5xx).
 */
export interface ExchangeFailure {
  refused: boolean;
  cause: string;
}

const SAFE_CODE = /^[A-Za-z][\w.-]{0,63}$/;

export function exchangeFailure(err: unknown, timeoutMs: number): ExchangeFailure {
  if (err instanceof oauth.ResponseBodyError) {
    const code = SAFE_CODE.test(err.error) ? ` (error "${err.error}")` : '';
    return { refused: err.status < 500, cause: `the token endpoint answered ${err.status}${code}` };
  }
  if (err instanceof oauth.OperationProcessingError) {
    return { refused: false, cause: `the token endpoint's answer is not a usable OAuth 2 token response (${err.code ?? 'unreadable'})` };
  }
  const blocked = blockedCause(err);
  if (blocked) return { refused: false, cause: blocked.refusal };
  const name = err instanceof Error ? err.name : '';
  return { refused: false, cause: describeNetworkFailure(err, timeoutMs, name === 'TimeoutError' || name === 'AbortError') };
}
