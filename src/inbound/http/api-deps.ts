import type { App } from '../../app.js';
import type { AdminDeps } from '../admin/deps.js';
import type { CompatDeps } from '../compat/deps.js';
import type { ConnectDeps } from '../connect/deps.js';
import { httpWriteRules } from '../web/write-rules.js';

/** The compatibility APIs' share of the app (the only inbound place besides the server that sees `App`). */
export function compatDeps(app: App): CompatDeps {
  return { catalog: app.catalog, log: app.log, writeRules: httpWriteRules(app.config) };
}

/** The admin API's share of the app. */
export function adminDeps(app: App): AdminDeps {
  return { ...compatDeps(app), registry: app.registry, dbPath: app.config.dbPath };
}

/** The connect routes' share of the app: the OAuth 2 sign-in, bound to this server's callback URL. */
export function connectDeps(app: App, callbackUrl: string): ConnectDeps {
  return {
    authorizationUrl: (provider, clientName) => app.oauth.authorizationUrl(provider, clientName, callbackUrl),
    completeSignIn: (query) => app.oauth.complete(query),
  };
}
