import type { IncomingMessage } from 'node:http';
import type { ClientIdentity } from '../../core/identity.js';
import type { Log } from '../../core/log.js';
import type { Provider } from '../../core/model.js';
import type { TicketBook } from './tickets.js';

/** What the connect page uses (built from the App in `http/api-deps.ts`); it never sees the App or the store. */
export interface ConnectDeps {
  tickets: TicketBook;
  /**
   * The identity a bearer token belongs to, or null: a client token (from memory), or a JWT from the
   * configured issuer — the person proves their identity with the token their agent uses, whichever it is.
   * `req` gives the JWT's expected audience (this server's resource URL, as for /mcp).
   */
  identify(token: string, req: IncomingMessage): Promise<ClientIdentity | null>;
  /** Whether this identity record still exists (same name, same creation): a removed client's links die with it. */
  clientExists(name: string, createdAt: string): Promise<boolean>;
  provider(id: number): Promise<Provider | undefined>;
  /** Stores the client's own credential through the catalog (`setCredential`): one transaction, ToolwireError on bad input. */
  setCredential(clientName: string, providerCode: string, credential: Record<string, unknown>): Promise<void>;
  /**
   * Where an OAuth 2 provider's user signs in (the authorization-code flow is another module's): wired by
   * the lead; absent, the page says such a provider cannot be connected here.
   */
  authorizationUrl?: ((provider: Provider, clientName: string) => Promise<string>) | undefined;
  log: Log;
}
