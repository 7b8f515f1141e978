import type { App } from '../app.js';
import { Federation, type FederationOptions } from './federation.js';

export { Federation, type FederationOptions, type UpstreamStatus } from './federation.js';
export { federatedToolName } from './tool-names.js';

/**
 * Connects this app to its upstream MCP servers (providers of `kind: "mcp"`) and re-exports their
 * tools. Only the serve commands call it, so `provider list` and friends never start an upstream.
 * Connecting is asynchronous: tools appear (with `list_changed`) as each upstream comes up, and
 * `App.close()` stops every connection and stdio process.
 */
export function startFederation(app: App, options: FederationOptions = {}): Federation {
  const federation = new Federation({ store: app.store, registry: app.registry, log: app.log, timeoutMs: app.config.timeoutMs, maxResponseBytes: app.config.maxResponseBytes }, options);
  app.registry.addSource(federation);
  app.onClose(() => federation.close());
  // Rebuild if a snapshot exists already; otherwise the first build includes the upstreams.
  app.registry.refresh(true);
  app.registry.current();
  return federation;
}
