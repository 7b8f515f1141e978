import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Log } from '../../core/log.js';

/**
 * JWT client tokens for remote agents (TOOLWIRE_OAUTH_ISSUER): verified against the issuer's JWKS,
 * found through its authorization-server (or OpenID) metadata. The static token stays valid beside.
 */
export interface JwtVerifier {
  /**
   * The token's `sub` — only for a JWT from the issuer, meant for `audience` (RFC 8707), with an `exp`
   * still ahead and a subject (the identity it acts as, SPEC §11) — else null.
   */
  verify(token: string, audience: string): Promise<string | null>;
  issuer: string;
}

const looksLikeJwt = (token: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);

async function discoverJwksUri(issuer: string): Promise<string> {
  const base = issuer.replace(/\/$/, '');
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    try {
      const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) continue;
      const metadata = (await res.json()) as { jwks_uri?: unknown };
      if (typeof metadata.jwks_uri === 'string') return metadata.jwks_uri;
    } catch {
      // try the next well-known location
    }
  }
  return `${base}/.well-known/jwks.json`;
}

/**
 * Every token must name an audience and expire: a token the same issuer minted for another API, or
 * one that never expires, is refused (issue 10, M4). The caller picks the audience: the configured
 * TOOLWIRE_OAUTH_AUDIENCE, else this server's resource URL.
 */
export function createJwtVerifier(issuer: string, log: Log): JwtVerifier {
  let keys: Promise<JWTVerifyGetKey> | null = null;
  return {
    issuer,
    async verify(token, audience) {
      if (!looksLikeJwt(token)) return null;
      keys ??= discoverJwksUri(issuer).then((uri) => createRemoteJWKSet(new URL(uri)));
      try {
        const { payload } = await jwtVerify(token, await keys, { issuer, audience, requiredClaims: ['exp', 'sub'] });
        return subjectOf(payload.sub);
      } catch (err) {
        log.debug(`a client JWT was refused: ${(err as Error).message}`);
        return null;
      }
    },
  };
}

/** A subject toolwire can keep as an identity: 1-255 printable characters (RFC 7519 allows any string). */
function subjectOf(sub: unknown): string | null {
  return typeof sub === 'string' && /^[\x21-\x7e]{1,255}$/.test(sub) ? sub : null;
}

/** RFC 9728 metadata, so OAuth-capable MCP clients find the authorization server. */
export function protectedResourceMetadata(resource: string, issuer: string) {
  return { resource, authorization_servers: [issuer], bearer_methods_supported: ['header'] };
}
