import type { App } from '../../app.js';
import type { AdminDeps } from '../admin/deps.js';
import type { CompatDeps } from '../compat/deps.js';
import type { ConnectDeps } from '../connect/deps.js';
import type { SignInDeps } from '../connect/sign-in-deps.js';
import type { TicketBook } from '../connect/tickets.js';
import { httpWriteRules } from '../web/write-rules.js';

/** The compatibility APIs' share of the app (the only inbound place besides the server that sees `App`). */
export function compatDeps(app: App): CompatDeps {
  return { catalog: app.catalog, log: app.log, writeRules: httpWriteRules(app.config) };
}

/** The admin API's share of the app. */
export function adminDeps(app: App): AdminDeps {
  return { ...compatDeps(app), registry: app.registry, dbPath: app.config.dbPath };
}

/**
 * The connect page's share (SPEC §11): its tickets, who a token belongs to (a client token or a JWT, `identify`),
 * the provider a ticket names, and the catalog's `setCredential`. `authorizationUrl` is the OAuth 2 sign-in
 * start, when one is wired.
 */
export function connectDeps(app: App, tickets: TicketBook, identify: ConnectDeps['identify'], authorizationUrl?: ConnectDeps['authorizationUrl']): ConnectDeps {
  return {
    tickets,
    identify,
    clientExists: async (name, createdAt) => (await app.catalog.clients.listClients()).some((c) => c.name === name && c.createdAt === createdAt),
    provider: (id) => app.catalog.findProvider(id),
    setCredential: async (clientName, providerCode, credential) => {
      await app.catalog.credentials.setCredential(clientName, providerCode, credential);
    },
    authorizationUrl,
    log: app.log,
  };
}

/** The OAuth 2 callback route's share of the app: the sign-in, bound to this server's callback URL. */
export function signInDeps(app: App, callbackUrl: string): SignInDeps {
  return {
    authorizationUrl: (provider, clientName) => app.oauth.authorizationUrl(provider, clientName, callbackUrl),
    completeSignIn: (query) => app.oauth.complete(query),
  };
}
