// Shared spike pieces: a toy "registry" (JSON Schema tools, our own pagination and dispatch) and the
// per-request server factory for the v2 SDK (low-level Server + raw request handlers, no zod, no McpServer).
import { McpServer, Server, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

export const SERVER_INFO = { name: 'toolwire-spike', version: '0.0.1' };

/** A stand-in for toolwire's Registry: a snapshot, change listeners, one bump() = one change. */
export function createRegistry() {
  let version = 0;
  const listeners = new Set();
  const log = [];
  const build = () => {
    const defs = [
      {
        name: 'echo',
        description: 'Echoes its text; region mirrored as Mcp-Param-Region (SEP-2243).',
        inputSchema: {
          type: 'object',
          properties: { text: { type: 'string' }, region: { type: 'string', 'x-mcp-header': 'Region' } },
          required: ['text'],
        },
      },
      { name: 'bump', description: 'Simulates a catalog change (CLI/admin).', inputSchema: { type: 'object', properties: {} } },
      { name: 'slow', description: 'Waits up to 5 s, aborts on cancel.', inputSchema: { type: 'object', properties: {} } },
    ];
    for (let i = 0; i < version; i++) defs.push({ name: `extra_${i}`, description: 'added by bump()', inputSchema: { type: 'object' } });
    return { version, definitions: defs, entries: new Map(defs.map((d) => [d.name, d])) };
  };
  let snap = build();
  return {
    log,
    current: () => snap,
    bump() {
      version++;
      snap = build();
      for (const l of listeners) l();
    },
    onChange(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    /** The "dispatch": what entry.invoke(args, {signal}) does in toolwire. */
    async invoke(name, args, signal) {
      if (name === 'echo') return { content: [{ type: 'text', text: `echo:${args.text}` }] };
      if (name === 'bump') {
        setTimeout(() => this.bump(), 10);
        return { content: [{ type: 'text', text: 'bumped' }] };
      }
      if (name === 'slow') {
        return await new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve({ content: [{ type: 'text', text: 'slow done' }] }), 5000);
          signal?.addEventListener('abort', () => {
            clearTimeout(t);
            log.push({ event: 'slow-aborted', reason: String(signal.reason?.message ?? signal.reason), at: Date.now() });
            if (process.env.SPIKE_STDERR_LOG) process.stderr.write(`[stdio-server] slow aborted: ${signal.reason?.message ?? signal.reason}\n`);
            reject(new Error('aborted'));
          }, { once: true });
          log.push({ event: 'slow-started', at: Date.now() });
        });
      }
      return { content: [{ type: 'text', text: `called ${name}` }] };
    },
  };
}

const PAGE = 50;
const enc = (n) => Buffer.from(`o:${n}`).toString('base64url');
const dec = (c) => {
  if (c === undefined) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (!m) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor');
  return Number(m[1]);
};

/**
 * The per-request / per-connection factory. `listChanged` is false for the --stateless legacy leg.
 * Returns a low-level Server with raw handlers for tools/list and tools/call (JSON Schema from our registry).
 */
/**
 * Workaround for the SDK's server/discover answering only modern versions: SPEC §10 wants both listed.
 * `_ondiscover` is a private (TS) method; overriding it works at runtime (pin the SDK version!).
 */
export class TwServer extends Server {
  _ondiscover() {
    const r = super._ondiscover();
    return { ...r, supportedVersions: [...new Set([...(r.supportedVersions ?? []), '2025-11-25'])] };
  }
}

export function makeFactory(registry, { listChanged = true, counters, bothVersionsInDiscover = true, mcpParamCheck = true } = {}) {
  return (ctx = {}) => {
    if (counters) counters.factory = (counters.factory ?? 0) + 1;
    const ServerClass = bothVersionsInDiscover ? TwServer : Server;
    const server = new ServerClass(SERVER_INFO, {
      capabilities: { tools: { listChanged } },
      instructions: 'spike instructions',
      // 2026-07-28 cache hints: used when the handler's result does not carry its own ttlMs/cacheScope.
      cacheHints: { 'tools/list': { ttlMs: 30_000, cacheScope: 'public' } },
    });
    server.setRequestHandler('tools/list', (request) => {
      const { definitions } = registry.current();
      const start = dec(request.params?.cursor);
      const end = start + PAGE;
      const page = { tools: definitions.slice(start, end) };
      if (end < definitions.length) page.nextCursor = enc(end);
      return page; // could also return { ...page, ttlMs, cacheScope: 'private' } per caller
    });
    server.setRequestHandler('tools/call', async (request, hctx) => {
      const { name, arguments: args = {} } = request.params;
      if (!registry.current().entries.has(name)) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool "${name}".`);
      }
      if (ctx.era) registry.log.push({ event: 'call', name, era: ctx.era, sessionId: hctx.sessionId, envelope: hctx.mcpReq.envelope ? Object.keys(hctx.mcpReq.envelope) : undefined, meta: hctx.mcpReq._meta });
      return registry.invoke(name, args, hctx.mcpReq.signal);
    });
    if (!mcpParamCheck) return server;
    // SEP-2243 Mcp-Param-* validation: createMcpHandler only runs it when the factory returns an
    // McpServer (it calls product.toolInputSchemaJson(name)). Wrap our low-level Server in a bare
    // McpServer shell (no registerTool) whose toolInputSchemaJson reads OUR registry.
    const shell = Object.create(McpServer.prototype);
    Object.defineProperty(shell, 'server', { value: server });
    shell.toolInputSchemaJson = (name) => registry.current().entries.get(name)?.inputSchema;
    shell.resolveScopeChallenge = () => undefined;
    shell.connect = (t) => server.connect(t);
    shell.close = () => server.close();
    return shell;
  };
}
