import { createHash, randomBytes } from 'node:crypto';

/** Marks a client token, so a leaked one is recognisable (secret scanners) and other bearer tokens skip the lookup. */
export const CLIENT_TOKEN_PREFIX = 'twc_';

/** A new client token: the prefix and 32 random bytes, base64url. Shown once; only its hash is kept. */
export function mintClientToken(): string {
  return `${CLIENT_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What the database keeps of a token: SHA-256, hex. A salt or a slow hash would add nothing here: the
 * token is 256 random bits, not a password someone could guess, and the lookup must stay a cheap index hit.
 */
export function hashClientToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
