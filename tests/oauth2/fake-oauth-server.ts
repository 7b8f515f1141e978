import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake authorization server received. */
export interface OAuthRequest {
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  family: number;
  used: boolean;
}

/**
 * A real OAuth 2 authorization server on 127.0.0.1 (node:http, port 0), strict like a real one:
 * `/authorize` redirects back with a code and the state (or `error=access_denied` when told to refuse);
 * `/token` checks the client secret, the grant, the redirect_uri and the PKCE verifier (S256), and issues
 * short-lived access tokens and refresh tokens (rotated on refresh). Every request is recorded; each
 * token it ever issued is listed, so a test can look for them where they must not be.
 */
export interface FakeOAuthServer {
  url: string;
  requests: OAuthRequest[];
  /** Every access and refresh token issued. */
  issued: string[];
  /** Access tokens the API accepts (issued and not revoked). */
  valid: Set<string>;
  /** expires_in of the next tokens, in seconds. */
  ttlSeconds: number;
  /** `/authorize` answers error=access_denied. */
  denyNext: boolean;
  /** The next code is bound to another challenge, as if the verifier sent with it were wrong. */
  corruptNextChallenge: boolean;
  /** Refresh grants are refused (invalid_grant). */
  refuseRefresh: boolean;
  /** The access token family issued for each authorization (1, 2, …) and for client credentials (0). */
  familyOf(token: string): number | undefined;
  grants(type: string): OAuthRequest[];
  close(): Promise<void>;
}

export async function startFakeOAuthServer(clients: Record<string, string>): Promise<FakeOAuthServer> {
  const codes = new Map<string, IssuedCode>();
  const refreshTokens = new Map<string, number>();
  const families = new Map<string, number>();
  let counter = 0;
  let nextFamily = 1;
  const state: FakeOAuthServer = {
    url: '',
    requests: [],
    issued: [],
    valid: new Set(),
    ttlSeconds: 3600,
    denyNext: false,
    corruptNextChallenge: false,
    refuseRefresh: false,
    familyOf: (token) => families.get(token),
    grants: (type) => state.requests.filter((r) => r.path === '/token' && r.form.get('grant_type') === type),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const issue = (family: number, withRefresh: boolean) => {
    counter++;
    const access = `at-${family}-${counter}-${Math.random().toString(36).slice(2)}`;
    state.issued.push(access);
    state.valid.add(access);
    families.set(access, family);
    const body: Record<string, unknown> = { access_token: access, token_type: 'Bearer', expires_in: state.ttlSeconds };
    if (withRefresh) {
      const refresh = `rt-${family}-${counter}-${Math.random().toString(36).slice(2)}`;
      state.issued.push(refresh);
      refreshTokens.set(refresh, family);
      body.refresh_token = refresh;
    }
    return body;
  };
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => resolve(body));
    });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const form = new URLSearchParams(req.method === 'POST' ? await read(req) : '');
    state.requests.push({ path: url.pathname, query: url.searchParams, form });
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('state', q.get('state') ?? '');
      if (state.denyNext) {
        state.denyNext = false;
        back.searchParams.set('error', 'access_denied');
      } else {
        const code = `code-${++counter}`;
        const challenge = state.corruptNextChallenge ? 'not-the-challenge' : (q.get('code_challenge') ?? '');
        state.corruptNextChallenge = false;
        if (q.get('code_challenge_method') !== 'S256' || q.get('response_type') !== 'code') return json(400, { error: 'invalid_request' });
        codes.set(code, { clientId: q.get('client_id') ?? '', redirectUri: q.get('redirect_uri') ?? '', challenge, family: nextFamily++, used: false });
        back.searchParams.set('code', code);
      }
      return res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname !== '/token' || req.method !== 'POST') return json(404, { error: 'not_found' });
    const clientId = form.get('client_id') ?? '';
    if (clients[clientId] === undefined || clients[clientId] !== form.get('client_secret')) return json(401, { error: 'invalid_client' });
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') return json(200, issue(0, false));
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      if (!code || code.used || code.clientId !== clientId || code.redirectUri !== form.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
      code.used = true;
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return json(400, { error: 'invalid_grant' });
      return json(200, issue(code.family, true));
    }
    if (grant === 'refresh_token') {
      const family = refreshTokens.get(form.get('refresh_token') ?? '');
      if (state.refuseRefresh || family === undefined) return json(400, { error: 'invalid_grant' });
      refreshTokens.delete(form.get('refresh_token') ?? ''); // rotated: a refresh token works once
      return json(200, issue(family, true));
    }
    return json(400, { error: 'unsupported_grant_type' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
