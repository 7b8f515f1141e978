/**
 * How long a fetched token may be used. Sources, most explicit first: the answer's top-level
 * `expires_in` (OAuth 2), the token's own JWT `exp` claim (Bluesky's accessJwt has no expires_in),
 * else the configured default (`TOOLWIRE_TOKEN_TTL_S`).
 */

export type LifetimeSource = 'expires_in' | 'jwt-exp' | 'default';

export interface Lifetime {
  ms: number;
  source: LifetimeSource;
}

/** The refresh margin is capped at 30 s; short-lived tokens keep 90% of their life. */
const MAX_MARGIN_MS = 30_000;

/** A token is treated as expired this long before it really is, so a call never leaves with a dying token. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(MAX_MARGIN_MS, lifetimeMs * 0.1);
}

/** Long-lived tokens are refreshed at most this long before the margin. */
const MAX_REFRESH_LEAD_MS = 300_000;

/**
 * How long after its fetch a token's successor is fetched in the background, while calls go on using
 * it: at 85% of its lifetime, or 5 minutes before the margin for long-lived ones. Always before
 * `lifetimeMs - refreshMarginMs(lifetimeMs)`, when calls stop using it and wait for the next one.
 */
export function refreshAheadMs(lifetimeMs: number): number {
  return Math.max(lifetimeMs * 0.85, lifetimeMs - refreshMarginMs(lifetimeMs) - MAX_REFRESH_LEAD_MS);
}

function expiresInMs(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const raw = (json as Record<string, unknown>)['expires_in'];
  const seconds = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return seconds * 1000;
}

/** The JWT `exp` claim in epoch milliseconds, read without verification (we only need the date). */
export function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const exp = (claims as Record<string, unknown>)['exp'];
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The lifetime counted from `fetchedAt` (when the request left). A JWT `exp` already in the past is
 * ignored (clock skew is the likelier cause; a truly expired token gets a 401 and is refreshed).
 */
export function tokenLifetime(json: unknown, token: string, defaultTtlMs: number, fetchedAt: number): Lifetime {
  const fromExpiresIn = expiresInMs(json);
  if (fromExpiresIn !== undefined) return { ms: fromExpiresIn, source: 'expires_in' };
  const exp = jwtExpiryMs(token);
  if (exp !== undefined && exp > fetchedAt) return { ms: exp - fetchedAt, source: 'jwt-exp' };
  return { ms: defaultTtlMs, source: 'default' };
}
