import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/server';
import type { HttpProvider, Tool } from '../core/model.js';
import type { TraceContext } from '../core/trace-context.js';
import type { ArgumentValidator } from './validate-args.js';

/** What `tools/call` needs besides the arguments. */
export interface CallContext {
  /** The caller's cancel: aborts the upstream request. */
  signal?: AbortSignal | undefined;
  /** The caller's W3C trace context, passed on to the upstream request. */
  trace?: TraceContext | undefined;
  /**
   * The caller's scope, for tools that reach other tools (meta mode's search, describe and call): an
   * operation out of scope is as unknown as a tool out of scope. Absent: everything is in scope.
   */
  scope?: ToolScope | undefined;
  /** The caller's identity name (`owner` for TOOLWIRE_TOKEN): whose credential a per-user provider sends. Absent: the owner. */
  caller?: string | undefined;
  /** Set by the call observer (SPEC §12): told of each upstream request, for the audit log, metrics and the upstream span. */
  upstream?: UpstreamWatch | undefined;
}

/** What the outbound side tells the call observer of each request it sends for a call. */
export interface UpstreamWatch {
  /** A request is about to go (`bytesOut`: its body). Returns the traceparent to send (the upstream span's), if tracing. */
  start(method: string, url: string, bytesOut: number): UpstreamAttempt;
}

export interface UpstreamAttempt {
  readonly traceparent: string | undefined;
  /** The answer's status and body size, or the error that ended the request (`status` null). */
  end(status: number | null, bytesIn: number, error?: unknown): void;
}

/** How a tool entry is run: straight, or through the call observer (audit, metrics, rate limits, traces). */
export type Invoke = (entry: ToolEntry, args: Record<string, unknown>, context: CallContext) => Promise<CallToolResult>;

/** Whether a caller may see and call a tool: by its provider's code and its own code. */
export type ToolScope = (providerCode: string, toolCode: string) => boolean;

/**
 * One tool as agents see it: its MCP definition and how to run it. HTTP tools, meta tools and
 * tools of upstream MCP servers all take this shape, so the MCP server knows none of them.
 */
export interface ToolEntry {
  readonly definition: McpTool;
  /** The provider it belongs to: an identity's scope names providers (SPEC §11). */
  readonly providerCode: string;
  /** A tool that reaches other tools (meta mode): their codes, so a caller who may use one of them sees it. */
  readonly reaches?: readonly string[];
  /** Shown to every caller who sees any other tool, whatever its scope (`toolwire_read_more`: it checks the scope itself). */
  readonly forEveryCaller?: boolean;
  /** Callable but left out of tools/list (an upstream MCP server's tool while it is down: a clear error, not "unknown tool"). */
  readonly unlisted?: boolean;
  invoke(args: Record<string, unknown>, context: CallContext): Promise<CallToolResult>;
}

/** An immutable view of every tool at one registry version; swapped whole on change. */
export interface RegistrySnapshot {
  readonly version: number;
  readonly entries: ReadonlyMap<string, ToolEntry>;
  /** Definitions in listing order. */
  readonly definitions: readonly McpTool[];
  /** How its entries are run (the registry's observer); absent: straight. */
  readonly invoke?: Invoke;
  /** The call path's indexes (Registry.addIndex), read with the tools, in the order they were added. */
  readonly indexes?: readonly unknown[];
}

/** What a provider's tools share at run time; the outbound side adds what it needs (its secrets' redactor). */
export interface ProviderRuntime {
  readonly provider: HttpProvider;
}

/**
 * How stored HTTP tools become callable entries. The outbound side provides it: the registry decides
 * what is served and when it changes, and never sends anything itself.
 */
export interface HttpToolFactory {
  /** Made again only when the provider changed. */
  runtime(provider: HttpProvider): ProviderRuntime;
  entry(tool: Tool, runtime: ProviderRuntime, definition: McpTool, validate: ArgumentValidator): ToolEntry;
  /** Tools served beside HTTP tools whenever one is served (`toolwire_read_more`, SPEC §14). */
  readonly companions?: readonly ToolEntry[];
}
