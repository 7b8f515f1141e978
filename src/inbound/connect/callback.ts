import type { IncomingMessage, ServerResponse } from 'node:http';
import { isToolwireError } from '../../core/errors.js';
import type { SignInDeps } from './sign-in-deps.js';

/** The path the authorization server sends people back to (the redirect_uri of every sign-in). */
export const CALLBACK_PATH = '/connect/callback';

const htmlText = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page for a person in a browser: no script, nothing cached, never framed. */
function page(res: ServerResponse, status: number, title: string, message: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${htmlText(title)}</title></head><body><h1>${htmlText(title)}</h1><p>${htmlText(message)}</p></body></html>`;
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
    })
    .end(html);
}

/**
 * `GET /connect/callback?code&state`: where an OAuth 2 sign-in ends. The state must be one this server
 * started (single-use, 10 minutes); the code is exchanged with its PKCE verifier and the tokens stored
 * as that client's own credential. Any failure is a page that says what happened, and nothing is stored.
 */
export async function handleConnectCallback(req: IncomingMessage, res: ServerResponse, deps: SignInDeps): Promise<void> {
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    return page(res, 405, 'Method not allowed', 'The sign-in callback is opened by the browser with GET.');
  }
  const query = new URL(req.url ?? '/', 'http://callback').searchParams;
  try {
    const grant = await deps.completeSignIn(query);
    return page(
      res,
      200,
      'Account connected',
      `Client "${grant.clientName}" can now use provider "${grant.providerCode}" with this account. You can close this page and retry the tool call.`,
    );
  } catch (err) {
    if (!isToolwireError(err)) throw err;
    return page(res, err.code === 'AUTH_FETCH' ? 502 : 400, 'Sign-in not completed', err.message);
  }
}
