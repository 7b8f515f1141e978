import { ToolwireError } from '../../core/errors.js';

/** The step of a token fetch that failed: `toolwire provider test` shows it so the user knows which field to fix. */
export type TokenStep = 'request' | 'status' | 'parse' | 'extract';

/**
 * An `AUTH_FETCH` failure that remembers its step. Messages are built only from the provider code, the
 * step and safe facts (status, content type, path, field names) — never payload values, tokens or bodies.
 */
export class TokenFetchError extends ToolwireError {
  readonly step: TokenStep;
  constructor(step: TokenStep, message: string, cause?: unknown) {
    super('AUTH_FETCH', message, cause === undefined ? {} : { cause });
    this.name = 'TokenFetchError';
    this.step = step;
  }
}

/** One message shape for every failure: who, what went wrong, what to check. */
export function tokenError(step: TokenStep, providerCode: string, cause: string, fix: string, error?: unknown): TokenFetchError {
  return new TokenFetchError(step, `Could not obtain a token for provider "${providerCode}": ${cause}. ${fix}`, error);
}
