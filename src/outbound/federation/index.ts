import type { Log } from '../../core/log.js';
import type { Registry } from '../../registry/registry.js';
import type { Store } from '../../store/index.js';
import { Federation, type FederationOptions } from './federation.js';
import type { UserCredentials } from '../credentials/per-user.js';
import type { ClientVaultTokens } from '../credentials/vault-tokens.js';

export { Federation, type FederationOptions, type UpstreamStatus } from './federation.js';
export { federatedToolName } from './tool-names.js';

/**
 * Connects this app to its upstream MCP servers (providers of `kind: "mcp"`) and re-exports their
 * tools. Only the serve commands call it, so `provider list` and friends never start an upstream.
 * Connecting is asynchronous: tools appear (with `list_changed`) as each upstream comes up, and
 * `App.close()` stops every connection and stdio process.
 */
/** What federation needs of the running app (the app passes itself: it has all of these). */
export interface FederationHost {
  store: Store;
  /** Each client's own credentials (their `api_key` for upstream MCP servers), from memory. */
  users: UserCredentials;
  /** Each client's vault credentials, from memory (loaded with the registry's snapshot). */
  vaultTokens: ClientVaultTokens;
  registry: Registry;
  log: Log;
  config: { timeoutMs: number; maxResponseBytes: number };
  onClose(fn: () => Promise<void> | void): void;
}

export async function startFederation(app: FederationHost, options: FederationOptions = {}): Promise<Federation> {
  const { store, registry, vaultTokens } = app;
  const federation = new Federation(
    { store, registry, log: app.log, timeoutMs: app.config.timeoutMs, maxResponseBytes: app.config.maxResponseBytes, users: app.users, vaultTokens },
    options,
  );
  app.registry.addSource(federation);
  app.onClose(() => federation.close());
  // A snapshot with the upstreams' sources (the first one, or a rebuild of the one there is).
  await app.registry.load();
  return federation;
}
