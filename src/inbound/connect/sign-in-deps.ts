import type { ConnectedGrant } from '../../outbound/oauth2/index.js';

/**
 * What the OAuth 2 callback route uses of the app (SPEC §11 "Connect your account"): the OAuth 2 sign-in, with
 * this server's callback URL already filled in.
 */
export interface SignInDeps {
  /**
   * Where to redirect a person who proved they are `clientName` so they sign in to the provider (code or
   * id): the authorization URL with PKCE and state. The pending grant is remembered in memory, single-use,
   * for 10 minutes.
   */
  authorizationUrl(provider: string | number, clientName: string): Promise<string>;
  /** The callback: checks the state, exchanges the code, stores the grant as the client's credential. */
  completeSignIn(query: URLSearchParams): Promise<ConnectedGrant>;
}
