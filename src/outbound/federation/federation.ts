import type { Log } from '../../core/log.js';
import type { ToolSource } from '../../registry/build.js';
import type { Registry } from '../../registry/registry.js';
import type { ToolEntry } from '../../registry/types.js';
import type { Store } from '../../store/index.js';
import type { McpProvider, Provider } from '../../core/model.js';
import { credentialRequiredResult } from '../../core/tool-result.js';
import { missingCredentialMessage, NO_USER_CREDENTIALS, type UserCredentials } from '../credentials/per-user.js';
import { NO_CLIENT_VAULT_TOKENS, type ClientVaultTokens } from '../credentials/vault-tokens.js';
import { federatedEntry, type PickConnection } from './forward.js';
import { resolveUpstream } from './upstream-config.js';
import { UpstreamConnection, type ConnectionTimings, type UpstreamState } from './upstream-connection.js';
import { DEFAULT_USER_CONNECTION_LIMITS, UserConnections, type UserConnectionLimits } from './user-connections.js';
import { mcpCallKey } from './user-key.js';

export type FederationOptions = Partial<ConnectionTimings> & { userConnections?: UserConnectionLimits };

export interface FederationDeps {
  store: Store;
  registry: Registry;
  log: Log;
  /** The upstream timeout (TOOLWIRE_TIMEOUT_MS): the default for connecting and for each call. */
  timeoutMs: number;
  /** The response cap (TOOLWIRE_MAX_RESPONSE_BYTES), for upstream MCP answers as for HTTP ones. */
  maxResponseBytes: number;
  /** Each client's own `api_key` for upstream MCP servers (SPEC §11), from memory. */
  users?: UserCredentials;
  /** Each client's newest vault credential per server (SPEC §11), from memory. */
  vaultTokens?: ClientVaultTokens;
}

/** How one upstream is doing, for logs, diagnostics and tests (never a secret). */
export interface UpstreamStatus {
  providerId: number;
  code: string;
  state: UpstreamState;
  tools: number;
  error: string | null;
  pid: number | null;
  /** The MCP revision it speaks while connected (`2026-07-28` or a 2025 one). */
  protocolVersion: string | null;
}

interface Managed {
  /** The provider as of the last rebuild: whose key a call sends depends on its credentialMode. */
  provider: McpProvider;
  connection: UpstreamConnection;
  /** Entries built from the connection's current tool list; rebuilt only when that list changes. */
  entries: ToolEntry[];
  /** The same, hidden from tools/list: what a down upstream still answers (with an error). */
  unlisted: ToolEntry[];
  builtFrom: readonly unknown[] | null;
}

/**
 * Keeps one connection per enabled `kind: "mcp"` provider and offers their tools to the registry.
 * The registry calls `entries()` on every rebuild (any provider, tool or vault change, from this
 * process or another): that is where connections are added, restarted when their URL, command,
 * environment, headers or credential changed, and closed when their provider is gone or disabled.
 */
export class Federation implements ToolSource {
  private readonly managed = new Map<number, Managed>();
  private readonly closing = new Set<Promise<void>>();
  private readonly timings: ConnectionTimings;
  private refreshQueued = false;
  private sweepQueued = false;
  private closed = false;
  /** Connections opened with a client's own key; the provider's own connection still lists the tools. */
  private readonly users: UserConnections;
  /** The owner's vault credentials by server URL and protocol, read in each registry build (`read`). */
  private sharedVaultTokens = new Map<string, string>();

  constructor(
    private readonly deps: FederationDeps,
    options: FederationOptions = {},
  ) {
    this.timings = {
      initialRetryDelayMs: options.initialRetryDelayMs ?? 200,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
      healthIntervalMs: options.healthIntervalMs ?? 15_000,
      connectTimeoutMs: options.connectTimeoutMs ?? deps.timeoutMs,
      callTimeoutMs: options.callTimeoutMs ?? deps.timeoutMs,
      maxResponseBytes: options.maxResponseBytes ?? deps.maxResponseBytes,
    };
    this.users = new UserConnections(this.timings, deps.log, options.userConnections ?? DEFAULT_USER_CONNECTION_LIMITS);
  }

  async read(): Promise<void> {
    const tokens = await this.deps.store.vaults.sharedTokens();
    this.sharedVaultTokens = new Map(tokens.map((t) => [vaultKey(t.mcpServerUrl, t.protocol), t.accessToken]));
  }

  entries(providers: readonly Provider[]): ToolEntry[] {
    if (this.closed) return [];
    this.reconcile(providers);
    const entries: ToolEntry[] = [];
    for (const managed of this.managed.values()) {
      const { connection } = managed;
      if (connection.state === 'ready' && managed.builtFrom !== connection.tools) {
        const pick: PickConnection = (caller) => this.pick(managed, caller);
        managed.entries = connection.tools.map((tool) => federatedEntry(connection, tool, pick));
        managed.unlisted = managed.entries.map((entry) => ({ ...entry, unlisted: true }));
        managed.builtFrom = connection.tools;
      }
      // While it is down its last known tools stay callable, unlisted, answering a clear isError.
      entries.push(...(connection.state === 'ready' ? managed.entries : managed.unlisted));
    }
    this.queueUserSweep();
    return entries;
  }

  /** How many connections opened with a client's own key are open (diagnostics and tests). */
  userConnectionCount(): number {
    return this.users.size;
  }

  /** Whose connection a call goes through (SPEC §11), from memory: no database read on the call path. */
  private pick(managed: Managed, caller: string | undefined): ReturnType<PickConnection> {
    const { provider } = managed;
    const choice = mcpCallKey(provider, caller, this.deps.users ?? NO_USER_CREDENTIALS, this.deps.vaultTokens ?? NO_CLIENT_VAULT_TOKENS);
    if (choice.kind === 'shared' || caller === undefined) return managed.connection;
    if (choice.kind === 'missing') {
      const need = { providerId: provider.id, providerCode: provider.code, clientName: caller };
      return credentialRequiredResult(need, missingCredentialMessage(provider.code, caller, '{"api_key": "…"}'));
    }
    return this.users.get(provider, caller, choice.key);
  }

  /**
   * After a rebuild (a credential, vault, client or provider write among the causes), closes each client's
   * connection whose key is no longer the one it would send. Deferred: the indexes it reads follow the
   * registry version, which must not be read from inside a rebuild.
   */
  private queueUserSweep(): void {
    if (this.sweepQueued || this.closed || this.users.size === 0) return;
    this.sweepQueued = true;
    setImmediate(() => {
      this.sweepQueued = false;
      if (this.closed) return;
      this.users.retain((providerId, client) => {
        const managed = this.managed.get(providerId);
        if (!managed) return null;
        const choice = mcpCallKey(managed.provider, client, this.deps.users ?? NO_USER_CREDENTIALS, this.deps.vaultTokens ?? NO_CLIENT_VAULT_TOKENS);
        return choice.kind === 'own' ? choice.key : null;
      });
    });
  }

  status(): UpstreamStatus[] {
    return [...this.managed.values()].map(({ connection: c }) => ({
      providerId: c.config.providerId,
      code: c.config.code,
      state: c.state,
      tools: c.tools.length,
      error: c.lastError,
      pid: c.pid,
      protocolVersion: c.protocolVersion,
    }));
  }

  /** Resolves once every upstream has had its first connection attempt, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all([...this.managed.values()].map((m) => m.connection.settled())), timeout]);
    clearTimeout(timer);
    await this.runQueuedRefresh(); // so that what is connected now is listed now
  }

  /** Stops every connection (stdio servers included) and waits for them to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [id] of this.managed) this.drop(id);
    await Promise.all([...this.closing, this.users.close()]);
  }

  private reconcile(providers: readonly Provider[]): void {
    const wanted = new Map<number, McpProvider>();
    for (const provider of providers) if (provider.kind === 'mcp' && provider.enabled) wanted.set(provider.id, provider);
    for (const id of this.managed.keys()) if (!wanted.has(id)) this.drop(id);
    for (const provider of wanted.values()) {
      let config: ReturnType<typeof resolveUpstream>;
      try {
        config = resolveUpstream(provider, (url, protocol) => this.sharedVaultTokens.get(vaultKey(url, protocol)) ?? null);
      } catch (err) {
        this.deps.log.warn(`upstream MCP server "${provider.code}" cannot be configured: ${(err as Error).message}`);
        this.drop(provider.id);
        continue;
      }
      const existing = this.managed.get(provider.id);
      if (existing && existing.connection.config.fingerprint === config.fingerprint) {
        existing.provider = provider;
        continue;
      }
      if (existing) {
        this.deps.log.info(`upstream MCP server "${provider.code}" changed: reconnecting`);
        this.drop(provider.id);
      }
      const connection = new UpstreamConnection(config, this.timings, this.deps.log, () => this.queueRefresh());
      this.managed.set(provider.id, { provider, connection, entries: [], unlisted: [], builtFrom: null });
      connection.start();
    }
  }

  private drop(providerId: number): void {
    const managed = this.managed.get(providerId);
    if (!managed) return;
    this.managed.delete(providerId);
    const closing = managed.connection.close().catch(() => {});
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
  }

  /** Rebuilds the registry soon (never from inside a rebuild), coalescing bursts of changes. */
  private queueRefresh(): void {
    if (this.refreshQueued || this.closed) return;
    this.refreshQueued = true;
    setImmediate(() => void this.runQueuedRefresh());
  }

  /** Never rejects: a failed rebuild is logged (the next change tries again). */
  private async runQueuedRefresh(): Promise<void> {
    if (!this.refreshQueued || this.closed) return;
    this.refreshQueued = false;
    try {
      await this.deps.registry.refresh(true);
    } catch (err) {
      this.deps.log.warn(`Could not rebuild the tool list after an upstream change: ${(err as Error).message}`);
    }
  }
}

const vaultKey = (url: string, protocol: string) => JSON.stringify([url, protocol]);
