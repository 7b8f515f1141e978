import type { FieldIssue } from '../core/errors.js';
import type { CredentialMode, OAuthGrant, OAuthSettings } from '../core/model.js';
import { mergeSecret } from '../core/secret-merge.js';
import type { OAuthInput } from './schemas.js';

/**
 * An OAUTH2 provider's settings being worked out: the request's fields merged over the stored ones,
 * not yet checked (so the URLs and the client id may still be missing).
 */
export type OAuthDraft = Omit<OAuthSettings, 'tokenUrl' | 'clientId'> & { tokenUrl: string | null; clientId: string | null };

/**
 * Merges the given `oauth` over the stored one. The settings exist only with authenticationType OAUTH2:
 * a provider switched to another type forgets them (its client secret included) unless the same write
 * gives them, which `checkOAuth` then refuses.
 */
export function mergeOAuth(given: OAuthInput | null | undefined, stored: OAuthSettings | null, isOAuth: boolean): OAuthDraft | null {
  if (given === undefined || given === null) return isOAuth && stored ? { ...stored } : isOAuth ? emptyDraft() : null;
  const base: OAuthDraft = stored ?? emptyDraft();
  const text = (value: string | null | undefined, kept: string | null) => {
    if (value === undefined || value === null) return kept;
    return value.trim() === '' ? null : value.trim();
  };
  return {
    grant: given.grant ?? base.grant,
    authorizationUrl: text(given.authorizationUrl, base.authorizationUrl),
    tokenUrl: text(given.tokenUrl, base.tokenUrl),
    clientId: text(given.clientId, base.clientId),
    clientSecret: mergeSecret(given.clientSecret, base.clientSecret),
    scopes: given.scopes ? given.scopes.map((s) => s.trim()).filter((s) => s !== '') : base.scopes,
    pkce: given.pkce ?? base.pkce,
  };
}

function emptyDraft(): OAuthDraft {
  return { grant: 'authorization_code', authorizationUrl: null, tokenUrl: null, clientId: null, clientSecret: null, scopes: [], pkce: true };
}

/** Which credentialMode each grant allows: a person's own grant is per user; the provider's own client is shared. */
export const GRANT_MODES: Record<OAuthGrant, CredentialMode> = { authorization_code: 'per_user', client_credentials: 'shared' };

/** The rules of an OAUTH2 provider, each problem naming its field and the fix. */
export function checkOAuth(
  oauth: OAuthDraft | null,
  p: { authenticationType: string; kind: string; isDynamicAuth: boolean; credentialMode: CredentialMode },
  isHttpUrl: (value: string) => boolean,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (p.authenticationType !== 'OAUTH2') {
    if (oauth) issues.push({ field: 'oauth', message: 'is used only with authenticationType "OAUTH2"; set that, or leave oauth out' });
    return issues;
  }
  if (p.kind !== 'http') issues.push({ field: 'authenticationType', message: '"OAUTH2" is for HTTP APIs (kind "http") only' });
  if (p.isDynamicAuth) issues.push({ field: 'isDynamicAuth', message: 'must be false with authenticationType "OAUTH2": the oauth settings obtain the token' });
  if (!oauth) return issues;
  const url = (field: 'tokenUrl' | 'authorizationUrl', value: string | null, what: string) => {
    if (!value)
      issues.push({
        field: `oauth.${field}`,
        message: `is required: ${what}, such as https://auth.example.com/oauth/${field === 'tokenUrl' ? 'token' : 'authorize'}`,
      });
    else if (!isHttpUrl(value)) issues.push({ field: `oauth.${field}`, message: `must be an absolute http(s) URL (got "${value}")` });
  };
  url('tokenUrl', oauth.tokenUrl, "the authorization server's token endpoint");
  if (!oauth.clientId) issues.push({ field: 'oauth.clientId', message: 'is required: the client id the authorization server gave this application' });
  for (const scope of oauth.scopes) {
    if (/\s/.test(scope)) issues.push({ field: 'oauth.scopes', message: `holds "${scope}", which has a space: give each scope as its own list item` });
  }
  const mode = GRANT_MODES[oauth.grant];
  if (p.credentialMode !== mode) {
    issues.push({
      field: 'credentialMode',
      message:
        oauth.grant === 'authorization_code'
          ? `must be "per_user" with oauth.grant "authorization_code": each client connects its own account (for one token the whole server shares, use oauth.grant "client_credentials")`
          : `must be "shared" with oauth.grant "client_credentials": the token is the provider's own, not a person's (for each person's own account, use oauth.grant "authorization_code" with credentialMode "per_user")`,
    });
  }
  if (oauth.grant === 'authorization_code') {
    url('authorizationUrl', oauth.authorizationUrl, "the authorization server's authorization endpoint, where each person signs in");
    if (!oauth.pkce)
      issues.push({ field: 'oauth.pkce', message: 'must be true: toolwire always sends a PKCE challenge (S256) with the authorization request' });
  } else {
    if (oauth.authorizationUrl)
      issues.push({ field: 'oauth.authorizationUrl', message: 'is not used by oauth.grant "client_credentials" (no one signs in); leave it out' });
  }
  return issues;
}

/** A checked draft as stored settings. */
export function toOAuthSettings(draft: OAuthDraft | null): OAuthSettings | null {
  if (!draft?.tokenUrl || !draft.clientId) return null;
  return { ...draft, tokenUrl: draft.tokenUrl, clientId: draft.clientId };
}
