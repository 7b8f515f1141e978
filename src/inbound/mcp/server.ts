import {
  CLIENT_CAPABILITIES_META_KEY,
  McpServer,
  Server,
  TRACEPARENT_META_KEY,
  TRACESTATE_META_KEY,
  type DiscoverResult,
  type McpRequestContext,
  type Tool,
} from '@modelcontextprotocol/server';
import { readTraceContext } from '../../core/trace-context.js';
import { ToolwireError } from '../../core/errors.js';
import { toMcpError } from './errors.js';
import type { Registry } from '../../registry/registry.js';
import { invokeTool, scopedView, type ToolView } from '../../registry/scoped-view.js';
import { type Caller, ownerCaller } from './caller.js';
import { LEGACY_VERSION, SERVER_INFO } from './versions.js';
import { credentialNeedOf } from '../../core/tool-result.js';
import type { ConnectLinks } from './connect-answer.js';
import { answerMissingCredential } from './connect-call.js';

export interface McpServerOptions {
  pageSize: number;
  /**
   * Whether legacy (2025-11-25) clients are told the list can change: false on `--stateless`, which
   * has no stream to send `list_changed` on. 2026-07-28 clients always are (`subscriptions/listen`).
   */
  legacyListChanged: boolean;
  /** HTTP: links to the connect page for calls whose caller lacks its own credential (SPEC §11); absent (stdio): the plain isError. */
  connect?: ConnectLinks | undefined;
}

/** How long a 2026-07-28 client may reuse a `tools/list` answer; a change reaches listeners at once anyway. */
export const TOOLS_LIST_TTL_MS = 10_000;

const INSTRUCTIONS = 'Tools of HTTP APIs configured in toolwire. Each tool calls one API endpoint with the credentials toolwire holds.';

/**
 * `server/discover` lists both revisions served (SPEC §10). The SDK lists only the 2026 ones, since a
 * 2025 client negotiates with `initialize`; it calls `_ondiscover` on the instance, so the instance's
 * own can add ours. A test pins this (an SDK upgrade that renames it fails there, not in production).
 */
const sdkDiscover = (Server.prototype as unknown as { _ondiscover(this: Server): DiscoverResult })._ondiscover;
function discoverBothRevisions(this: Server): DiscoverResult {
  const result = sdkDiscover.call(this);
  return { ...result, supportedVersions: [...new Set([...result.supportedVersions, LEGACY_VERSION])] };
}

/**
 * The SDK's high-level server, used only as the SDK's handle on our tools: it registers none itself
 * (our handlers serve them from the registry), but the SDK asks it for a tool's input schema to check
 * a 2026-07-28 call's `Mcp-Param-*` headers against the arguments (SEP-2243).
 */
class RegistryMcpServer extends McpServer {
  constructor(private readonly view: () => ToolView) {
    super(SERVER_INFO, { instructions: INSTRUCTIONS });
  }

  override toolInputSchemaJson(name: string): Record<string, unknown> | undefined {
    return this.view().entries.get(name)?.definition.inputSchema as Record<string, unknown> | undefined;
  }
}

/**
 * The MCP server for one connection (2025-11-25, stdio or an HTTP session) or one request
 * (2026-07-28 over HTTP): `tools/list` (paginated, in the registry's stable order) and `tools/call`
 * straight from the registry's current snapshot. Cheap to make: the SDK makes one per 2026 request.
 * Change notifications are wired by the transport side, which knows the era (see `notifyChanges`).
 */
export function createServerFactory(
  registry: Registry,
  options: McpServerOptions,
): (context: Pick<McpRequestContext, 'era'> & { caller: Caller }) => McpServer {
  return (context) => {
    const { caller } = context;
    // What this caller may see, from the current snapshot: out-of-scope tools are unknown tools (SPEC §11).
    const view = () => scopedView(registry.current(), caller.key, caller.scope);
    const mcp = new RegistryMcpServer(view);
    const server = mcp.server;
    Object.defineProperty(server, '_ondiscover', { value: discoverBothRevisions });
    server.registerCapabilities({ tools: { listChanged: context.era === 'modern' || options.legacyListChanged } });
    // 2026-07-28 cache hints: `private` when lists differ between callers, so no shared cache hands one to another.
    const hints = context.era === 'modern' ? { ttlMs: TOOLS_LIST_TTL_MS, cacheScope: caller.listCache } : {};
    server.setRequestHandler('tools/list', (request) => {
      const { definitions } = view();
      const start = decodeCursor(request.params?.cursor);
      const end = start + options.pageSize;
      const tools = definitions.slice(start, end) as Tool[];
      return end < definitions.length ? { tools, nextCursor: encodeCursor(end), ...hints } : { tools, ...hints };
    });
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const current = view();
      const entry = current.entries.get(request.params.name);
      if (!entry) throw toMcpError(unknownTool(request.params.name));
      const meta = ctx.mcpReq._meta as Record<string, unknown> | undefined;
      const headers = ctx.http?.req?.headers;
      const trace =
        readTraceContext(meta?.[TRACEPARENT_META_KEY], meta?.[TRACESTATE_META_KEY]) ??
        readTraceContext(headers?.get('traceparent') ?? undefined, headers?.get('tracestate') ?? undefined);
      const run = () =>
        invokeTool(current, entry, request.params.arguments ?? {}, { signal: ctx.mcpReq.signal, trace, scope: current.scope, caller: caller.identity.name });
      const result = await run();
      const need = options.connect ? credentialNeedOf(result) : undefined;
      if (!need || !options.connect) return result;
      const capabilities =
        context.era === 'modern'
          ? (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY]
          : server.getClientCapabilities();
      return answerMissingCredential({ result, need, caller, connect: options.connect, era: context.era, capabilities, ctx, server, again: run });
    });
    return mcp;
  };
}

/** Sends `list_changed` to a long-lived (2025-11-25 or stdio) server on every registry change, until it closes. */
export function notifyChanges(server: Server, registry: Registry): void {
  const unsubscribe = registry.onChange(() => {
    if (server.transport) server.sendToolListChanged().catch(() => {});
  });
  const previousOnClose = server.onclose;
  server.onclose = () => {
    unsubscribe();
    previousOnClose?.();
  };
}

/** A tools/call for a name the registry does not hold (a JSON-RPC invalid-params error, not a tool result). */
export function unknownTool(name: string): ToolwireError {
  return new ToolwireError('NOT_FOUND', `Unknown tool "${name}". Call tools/list for the tools this server offers.`);
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw toMcpError(new ToolwireError('INVALID_INPUT', 'Invalid cursor: pass the nextCursor of a previous tools/list answer.'));
  return Number(match[1]);
}

/** A long-lived 2025-11-25 server for one in-process connection (`toolwire tool call`, tests), told of every change. */
export function createMcpServer(registry: Registry, options: Pick<McpServerOptions, 'pageSize'>): McpServer {
  const mcp = createServerFactory(registry, { pageSize: options.pageSize, legacyListChanged: true })({ era: 'legacy', caller: ownerCaller() });
  notifyChanges(mcp.server, registry);
  return mcp;
}
