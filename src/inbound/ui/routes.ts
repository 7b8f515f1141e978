import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendJson } from '../http/body.js';
import { isJsonObject } from '../../core/json.js';
import { loadAssets } from './assets.js';
import { readCookie, SESSION_COOKIE, sessionCookie } from './cookies.js';
import type { UiDeps } from './deps.js';
import { csrfMatches, type UiSession } from './sessions.js';

/** The page may load only what toolwire itself serves: no CDN, no font service, no other host. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const CSRF_HEADER = 'x-csrf-token';

async function sessionOf(req: IncomingMessage, deps: UiDeps): Promise<UiSession | null> {
  const id = readCookie(req, SESSION_COOKIE);
  return id ? deps.sessions.find(id) : null;
}

const signedOut = (res: ServerResponse) =>
  sendJson(res, 401, { error: 'unauthorized', message: 'Not signed in, or the session ended: sign in again with the owner token or an --admin client token.' });

const csrfRefused = (res: ServerResponse) =>
  sendJson(res, 403, {
    error: 'forbidden',
    message: `Forbidden: a change from the web admin must carry the session's CSRF token in the ${CSRF_HEADER} header (reload the page to get it).`,
  });

/** POST /ui/session `{"token": "…"}`: the owner's or an --admin client's token opens a session (its cookie). */
async function signIn(req: IncomingMessage, res: ServerResponse, deps: UiDeps): Promise<void> {
  const body = await readJsonBody(req, 64 * 1024);
  const token = body.ok && isJsonObject(body.value) && typeof body.value.token === 'string' ? body.value.token.trim() : '';
  if (token === '')
    return sendJson(res, 400, {
      error: 'invalid_input',
      message: 'Send {"token": "…"}: the owner token (TOOLWIRE_TOKEN) or an --admin client token.',
      fields: [{ field: 'token', message: 'is required' }],
    });
  const granted = deps.access(token);
  if (granted.access === 'unknown')
    return sendJson(res, 401, {
      error: 'unauthorized',
      message: 'That token is not known here. Use the owner token (TOOLWIRE_TOKEN) or a token from `toolwire client add NAME --admin`.',
    });
  if (granted.access !== 'allowed')
    return sendJson(res, 403, {
      error: 'forbidden',
      message: 'This client identity has no admin rights. Use the owner token, or a client made with `toolwire client add NAME --admin`.',
    });
  const session = await deps.sessions.open(granted.who, token);
  const maxAge = Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000));
  sendJson(
    res,
    200,
    { who: session.who, csrf: session.csrf },
    { 'set-cookie': sessionCookie(session.id, deps.secureCookie, maxAge), 'cache-control': 'no-store' },
  );
}

async function sessionRoute(req: IncomingMessage, res: ServerResponse, deps: UiDeps): Promise<void> {
  if (req.method === 'POST') return signIn(req, res, deps);
  const session = await sessionOf(req, deps);
  if (req.method === 'GET') {
    if (!session || deps.access(session.token).access !== 'allowed') return signedOut(res);
    return sendJson(res, 200, { who: session.who, csrf: session.csrf }, { 'cache-control': 'no-store' });
  }
  if (req.method === 'DELETE') {
    if (!session) return signedOut(res);
    if (!csrfMatches(session, req.headers[CSRF_HEADER] as string | undefined)) return csrfRefused(res);
    await deps.sessions.close(session.id);
    res.writeHead(204, { 'set-cookie': sessionCookie('', deps.secureCookie, 0) });
    return void res.end();
  }
  sendJson(
    res,
    405,
    { error: 'method_not_allowed', message: `${req.method} is not allowed on /ui/session; use GET, POST or DELETE.` },
    { allow: 'GET, POST, DELETE' },
  );
}

/**
 * `/ui/api/*` → `/admin/*` as the session's identity: the UI calls only the admin API, so anything it
 * does a script can do with the same token. A change (any method but GET) needs the CSRF header.
 */
async function proxy(req: IncomingMessage, res: ServerResponse, path: string, deps: UiDeps): Promise<void> {
  const session = await sessionOf(req, deps);
  if (!session) return signedOut(res);
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD' && !csrfMatches(session, req.headers[CSRF_HEADER] as string | undefined)) return csrfRefused(res);
  if (deps.access(session.token).access !== 'allowed') {
    await deps.sessions.close(session.id);
    return signedOut(res);
  }
  return deps.admin(req, res, path, session.token);
}

/** The web admin (SPEC §16) at `/ui`: its page and files, the session, and the admin API proxy. `path` follows `/ui`. */
export function createUiHandler(deps: UiDeps): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const assets = loadAssets();
  return async (req, res, path) => {
    if (path === '/session') return sessionRoute(req, res, deps);
    if (path === '/api' || path.startsWith('/api/')) return proxy(req, res, path.slice('/api'.length), deps);
    const asset = assets.get(path === '' ? '/' : path);
    if (!asset) return sendJson(res, 404, { error: 'not_found', message: `No page ${path}. The web admin is at /ui/.` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed on /ui${path}; use GET.` }, { allow: 'GET, HEAD' });
    }
    res.writeHead(200, {
      'content-type': asset.type,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };
}
