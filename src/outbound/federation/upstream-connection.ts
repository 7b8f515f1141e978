import type { CallToolResult, Client, Tool as McpTool, PriorDiscovery, Transport } from '@modelcontextprotocol/client';
import { describeError, ToolwireError } from '../../core/errors.js';
import { describeUpstreamError, isUpstreamAnswer } from './upstream-errors.js';
import type { Log } from '../../core/log.js';
import { Backoff } from './backoff.js';
import { loadClientSdk } from './client-sdk.js';
import { listAllTools } from './list-tools.js';
import { boundedFetch, boundStdioReads } from './response-cap.js';
import { createUpstreamTransport, loadTransports, transportPid } from './transports.js';
import type { UpstreamConfig } from './upstream-config.js';

export type UpstreamState = 'connecting' | 'ready' | 'down' | 'closed';

export interface ConnectionTimings {
  /** First retry delay after a failure; doubles up to `maxRetryDelayMs`. */
  initialRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** How often a connected upstream is pinged to notice that it went away. */
  healthIntervalMs: number;
  /** Limit for connecting (initialize + listing tools) and for each ping. */
  connectTimeoutMs: number;
  /** Limit for one forwarded tools/call. */
  callTimeoutMs: number;
  /** The response cap (TOOLWIRE_MAX_RESPONSE_BYTES): no upstream message over it is held whole. */
  maxResponseBytes: number;
}

/**
 * One upstream MCP server: an SDK `Client` over the provider's transport. Lists every page of tools,
 * follows the upstream's `list_changed`, pings to notice an outage, and reconnects with backoff
 * (a stdio server that exits is started again). `onToolsChanged` fires whenever the tools it offers
 * change, including when it goes down (no tools) or comes back.
 *
 * It speaks whichever revision the upstream does: the first connection probes with `server/discover`
 * (2026-07-28) and falls back to `initialize` (2025-11-25); the verdict is kept, so reconnects (and a
 * stdio server, whose probe costs a short-lived extra process) skip the probe. A new URL, command or
 * credential makes a new UpstreamConnection, and so a new probe.
 */
export class UpstreamConnection {
  private client: Client | null = null;
  private transport: Transport | null = null;
  private toolList: readonly McpTool[] = [];
  private current: UpstreamState = 'connecting';
  private problem: string | null = null;
  private lastStderr: string | null = null;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  /** Clients of lost connections still closing (a stdio child gets SIGTERM, then SIGKILL): close() waits for them. */
  private readonly closingClients = new Set<Promise<void>>();
  /** When the current connection became ready: the backoff resets only after it stayed up a while. */
  private readyAt = 0;
  /** The revision verdict of the last successful connection, reused by the next one (no probe). */
  private prior: PriorDiscovery | null = null;
  /** The protocol revision of the current connection, once ready. */
  private negotiated: string | null = null;
  private readonly backoff: Backoff;
  private firstAttempt: Promise<void>;
  private firstAttemptDone!: () => void;

  constructor(
    readonly config: UpstreamConfig,
    private readonly timings: ConnectionTimings,
    private readonly log: Log,
    private readonly onToolsChanged: () => void,
  ) {
    this.backoff = new Backoff({ initialMs: timings.initialRetryDelayMs, maxMs: timings.maxRetryDelayMs });
    this.firstAttempt = new Promise((resolve) => (this.firstAttemptDone = resolve));
  }

  get state(): UpstreamState {
    return this.current;
  }

  get tools(): readonly McpTool[] {
    return this.toolList;
  }

  /** Why it is not connected (secrets masked), or null. */
  get lastError(): string | null {
    return this.problem;
  }

  /** The response cap for this upstream's results (TOOLWIRE_MAX_RESPONSE_BYTES). */
  get maxResponseBytes(): number {
    return this.timings.maxResponseBytes;
  }

  /** The protocol revision it speaks (`2026-07-28`, `2025-11-25`, …) while connected, else null. */
  get protocolVersion(): string | null {
    return this.current === 'ready' ? this.negotiated : null;
  }

  /** The stdio server's process id while it runs. */
  get pid(): number | null {
    return transportPid(this.transport);
  }

  /** Settles after the first connection attempt, whether it succeeded or not. */
  settled(): Promise<void> {
    return this.firstAttempt;
  }

  start(): void {
    void this.connect();
  }

  /**
   * Forwards one tools/call. `tool` is the upstream's definition: on 2026-07-28 over HTTP the SDK
   * mirrors its `x-mcp-header` arguments into `Mcp-Param-*` headers from it. Its output schema is left
   * out, so the SDK does not judge the result (our clients get the schema and do).
   */
  async callTool(tool: McpTool, args: Record<string, unknown>, signal: AbortSignal | undefined): Promise<CallToolResult> {
    const client = this.client;
    const generation = this.generation;
    if (this.current !== 'ready' || !client) throw new UpstreamDownError(this.problem);
    try {
      const { outputSchema: _, ...toolDefinition } = tool;
      const options = { timeout: this.timings.callTimeoutMs, toolDefinition, ...(signal ? { signal } : {}) };
      return await client.callTool({ name: tool.name, arguments: args }, options);
    } catch (err) {
      // A protocol answer (unknown tool, invalid params) or a malformed result for this one request, or
      // our client cancelling, says nothing about the connection. Otherwise (a timeout, an HTTP error),
      // only a failed ping afterwards (refused, closed, exited) marks the upstream down.
      if (!isUpstreamAnswer(err) && !signal?.aborted) void this.probe(generation);
      throw err;
    }
  }

  /**
   * Whether the connection of `generation` still answers: any JSON-RPC answer to a ping (2025) or a
   * server/discover (2026-07-28), even an error (a server without ping), means alive; a timeout, a closed connection or a network error
   * means down.
   */
  private async probe(generation: number): Promise<void> {
    const client = this.client;
    if (generation !== this.generation || !client) return;
    try {
      // 2026-07-28 has no ping: server/discover is its cheapest request (it also refreshes the kept verdict).
      const options = { timeout: this.timings.connectTimeoutMs };
      if (client.getProtocolEra() !== 'modern') await client.ping(options);
      else {
        const discover = await client.discover(options);
        if (generation === this.generation) this.prior = { kind: 'modern', discover };
      }
    } catch (err) {
      if (isUpstreamAnswer(err)) return;
      this.lost(generation, `it did not answer a ping (${describeUpstreamError(err)})`);
    }
  }

  async close(): Promise<void> {
    this.generation++;
    this.current = 'closed';
    this.clearTimers();
    this.firstAttemptDone();
    const client = this.client;
    this.client = null;
    this.transport = null;
    this.toolList = [];
    await Promise.all([client?.close().catch(() => {}), ...this.closingClients]);
  }

  private async connect(): Promise<void> {
    let Client: typeof import('@modelcontextprotocol/client').Client;
    try {
      [{ Client }] = await Promise.all([loadClientSdk(), loadTransports()]);
    } catch (err) {
      this.lost(this.generation, describeUpstreamError(err));
      return this.firstAttemptDone();
    }
    if (this.current === 'closed') return this.firstAttemptDone();
    const generation = ++this.generation;
    const { redact, code } = this.config;
    const { maxResponseBytes } = this.timings;
    const onDropped = (what: string) => this.log.warn(`upstream MCP server "${code}": ${what}`);
    const transport = createUpstreamTransport(
      this.config,
      (line) => {
        this.lastStderr = redact(line).slice(0, 300);
        this.log.debug(`upstream "${code}" stderr: ${this.lastStderr}`);
      },
      { wrapFetch: (base) => boundedFetch(maxResponseBytes, onDropped, base) },
    );
    if (this.config.transport.protocol === 'stdio' && !boundStdioReads(transport, maxResponseBytes, onDropped)) {
      this.log.debug(`upstream "${code}": the SDK's stdio read buffer could not be bounded; its own 10 MB limit applies`);
    }
    // 'auto': discover first, then initialize. The SDK's response cache is never used: tools are listed
    // with plain requests (listAllTools), so a cached list cannot outlive a change.
    const client = new Client({ name: 'toolwire', version: '0.1.0' }, { capabilities: {}, versionNegotiation: { mode: 'auto' } });
    // Before it is up, a failure rejects connect() or the listing with its real reason (the SDK
    // closes the client first); afterwards, a close is how an exited process or a dead stream shows.
    let established = false;
    client.onclose = () => {
      if (established) this.lost(generation, 'the connection closed');
    };
    client.onerror = (err) => this.log.debug(`upstream "${code}": ${redact(describeError(err))}`);
    client.setNotificationHandler('notifications/tools/list_changed', () => void this.relist(generation));
    this.client = client;
    this.transport = transport;
    this.current = 'connecting';
    this.lastStderr = null;
    const prior = this.prior;
    try {
      await client.connect(transport, { timeout: this.timings.connectTimeoutMs, ...(prior ? { prior } : {}) });
      const modern = client.getProtocolEra() === 'modern';
      const discover = client.getDiscoverResult();
      this.prior = modern && discover ? { kind: 'modern', discover } : { kind: 'legacy' };
      const tools = await listAllTools(client, this.timings.connectTimeoutMs);
      // 2026-07-28 sends list_changed only on a subscription; its stream ending means we may miss one: reconnect.
      if (modern && client.getServerCapabilities()?.tools?.listChanged) {
        const subscription = await client.listen({ toolsListChanged: true }, { timeout: this.timings.connectTimeoutMs }).catch((err: unknown) => {
          this.log.warn(`upstream MCP server "${code}" refused a subscription to list_changed: ${redact(describeUpstreamError(err))}`);
          return null;
        });
        void subscription?.closed.then((how) => {
          if (how !== 'local') this.lost(generation, `its subscriptions/listen stream ended (${how})`);
        });
      }
      if (generation !== this.generation) return;
      established = true;
      this.negotiated = client.getNegotiatedProtocolVersion() ?? null;
      this.toolList = tools;
      this.current = 'ready';
      this.problem = null;
      this.readyAt = Date.now();
      this.log.info(`upstream MCP server "${code}" connected: ${tools.length} tool(s)`);
      this.startHealthChecks(generation);
      this.onToolsChanged();
    } catch (err) {
      // The upstream may have changed its revision: the next attempt probes again.
      this.prior = null;
      if (generation === this.generation) this.lost(generation, describeUpstreamError(err));
      else await client.close().catch(() => {});
    } finally {
      this.firstAttemptDone();
    }
  }

  private async relist(generation: number): Promise<void> {
    const client = this.client;
    if (generation !== this.generation || this.current !== 'ready' || !client) return;
    try {
      const tools = await listAllTools(client, this.timings.connectTimeoutMs);
      if (generation !== this.generation) return;
      this.toolList = tools;
      this.log.info(`upstream MCP server "${this.config.code}" changed its tools: ${tools.length} tool(s)`);
      this.onToolsChanged();
    } catch (err) {
      // A listing it answered badly keeps the tools we have; one it could not answer is checked.
      this.log.warn(`upstream MCP server "${this.config.code}" could not list its changed tools: ${this.config.redact(describeUpstreamError(err))}`);
      if (!isUpstreamAnswer(err)) void this.probe(generation);
    }
  }

  private startHealthChecks(generation: number): void {
    this.healthTimer = setInterval(() => {
      const client = this.client;
      if (generation !== this.generation || !client) return;
      void this.probe(generation);
    }, this.timings.healthIntervalMs);
    this.healthTimer.unref();
  }

  /** The connection of `generation` failed or ended: drop its tools, close it, retry later. */
  private lost(generation: number, why: string): void {
    if (generation !== this.generation || this.current === 'closed') return;
    this.generation++;
    this.clearTimers();
    const wasReady = this.current === 'ready';
    // A server that dies soon after every start keeps backing off; one that ran a while starts afresh.
    if (wasReady && Date.now() - this.readyAt >= Math.max(this.timings.maxRetryDelayMs, 1_000)) this.backoff.reset();
    const client = this.client;
    this.client = null;
    this.transport = null;
    this.toolList = [];
    this.current = 'down';
    this.problem = this.config.redact(why) + (this.lastStderr ? ` (its last stderr line: ${this.lastStderr})` : '');
    if (client) {
      const closing = client.close().catch(() => {});
      this.closingClients.add(closing);
      void closing.finally(() => this.closingClients.delete(closing));
    }
    const delay = this.backoff.next();
    const message = `upstream MCP server "${this.config.code}" is unavailable: ${this.problem}; retrying in ${delay} ms`;
    if (wasReady || this.backoff.failures === 1) this.log.warn(message);
    else this.log.debug(message);
    if (wasReady) this.onToolsChanged();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.current !== 'closed') void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.retryTimer = null;
    this.healthTimer = null;
  }
}

/** A call reached an upstream that is not connected; `reason` says why, when known. */
export class UpstreamDownError extends ToolwireError {
  constructor(readonly reason: string | null) {
    super('UPSTREAM_DOWN', reason ?? 'not connected');
    this.name = 'UpstreamDownError';
  }
}
