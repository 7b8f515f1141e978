import { parseArgs } from 'node:util';
import { createApp, type App } from '../app.js';
import { loadExamplesIfEmpty } from '../catalog/io/examples.js';
import { createServerFactory, notifyChanges } from '../inbound/mcp/server.js';
import { ownerCaller } from '../inbound/mcp/caller.js';
import { FastStdioTransport } from '../inbound/mcp/stdio-transport.js';
import { blockingOffNotice } from '../outbound/address-policy.js';
import type { Command, CommandContext } from './context.js';

/** How long serving waits for upstream MCP servers at start; slower ones are listed when they connect. */
const FIRST_CONNECT_WAIT_MS = 5_000;

/** `serve` (stdio by default) and `start` (the embedded default of `npm start`). */
export const serveCommand: Command = async (ctx) => {
  const { values } = parseArgs({
    args: ctx.args,
    options: {
      http: { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'string' },
      stateless: { type: 'boolean' },
      'no-auth': { type: 'boolean' },
      examples: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  // Before the database opens: with PostgreSQL, serve --http needs TOOLWIRE_TOKEN (serve-http.ts says why).
  if (values.http) (await import('./serve-http.js')).clientToken(ctx, { noAuth: values['no-auth'] ?? false }, false);
  const app = await createApp(ctx.config);
  try {
    if (values.examples) await reportExamples(ctx, app);
    // Upstream MCP servers connect in the background; wait a moment so first tools/list has them.
    // (startFederation builds the registry's first snapshot, every source and index added: `load()`.)
    const { startFederation } = await import('../outbound/federation/index.js');
    await (await startFederation(app)).settled(FIRST_CONNECT_WAIT_MS);
    await app.ops.ready; // the tracer, when OTEL_EXPORTER_OTLP_ENDPOINT is set: the first call is traced too
    if (values.http) {
      // SPEC §15: off by default, and said so where a server is started for others to reach.
      if (!app.config.blockPrivate) ctx.stderr(`${blockingOffNotice()}\n`);
      const { serveHttp } = await import('./serve-http.js');
      const { compatRoutes } = await import('../inbound/compat/index.js');
      const flags = { host: values.host ?? '127.0.0.1', port: values.port ?? '8808', stateless: values.stateless ?? false, noAuth: values['no-auth'] ?? false };
      return await serveHttp(ctx, app, flags, compatRoutes());
    }
    return await serveStdio(ctx, app);
  } finally {
    await app.close();
  }
};

async function reportExamples(ctx: CommandContext, app: App): Promise<void> {
  const loaded = await loadExamplesIfEmpty(app.catalog);
  if (loaded > 0) ctx.stderr(`The database was empty: loaded ${loaded} example provider(s) from examples/.\n`);
}

/**
 * stdio, in whichever revision the client opens with (the SDK's `serveStdio` pins one per connection:
 * `initialize` → 2025-11-25, an enveloped request or `server/discover` → 2026-07-28), with our fast
 * transport underneath. Every server it makes hears of registry changes: a 2025 one sends
 * `list_changed` as it always did, a 2026 one through the client's `subscriptions/listen`.
 */
async function serveStdio(ctx: CommandContext, app: App): Promise<number> {
  const { serveStdio: serve } = await import('@modelcontextprotocol/server/stdio');
  const factory = createServerFactory(app.registry, { pageSize: app.config.pageSize, legacyListChanged: true });
  const transport = new FastStdioTransport(app.registry, process.stdin, process.stdout, app.config.fastPath);
  const ended = new Promise<void>((resolve) => process.stdin.once('end', () => resolve()));
  const handle = serve(
    (context) => {
      // stdio is the machine owner's own connection: every tool.
      const server = factory({ era: context.era, caller: ownerCaller() });
      notifyChanges(server.server, app.registry);
      return server;
    },
    { transport, onerror: (err) => app.log.debug(`stdio: ${err.message}`) },
  );
  app.registry.watch();
  app.log.info(`serving ${app.registry.current().definitions.length} tool(s) over stdio from ${app.config.dbPath}`);
  await Promise.race([ended, ctx.stopSignal]);
  await handle.close();
  return 0;
}
