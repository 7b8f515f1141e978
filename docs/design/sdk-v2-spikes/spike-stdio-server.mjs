// stdio, both eras: serveStdio pins ONE instance per connection, chosen by the opening message
// (server/discover or an enveloped request => 2026-07-28; initialize or claim-less => 2025-11-25).
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { createRegistry, makeFactory } from './spike-core.mjs';

const registry = createRegistry();
const base = makeFactory(registry, { mcpParamCheck: false });
serveStdio(
  (ctx) => {
    const server = base(ctx);
    // The pinned instance publishes list_changed; on a modern connection serveStdio's listen router
    // rewrites it onto the open subscriptions/listen (stamped with the subscription id); on a legacy
    // connection it passes through unsolicited, as today.
    const off = registry.onChange(() => {
      if (server.transport) server.sendToolListChanged().catch(() => {});
    });
    const prev = server.onclose;
    server.onclose = () => {
      off();
      prev?.();
    };
    process.stderr.write(`[stdio-server] factory era=${ctx.era}\n`);
    return server;
  },
  { onerror: (e) => process.stderr.write(`[stdio-server] onerror: ${e.message}\n`) },
);
