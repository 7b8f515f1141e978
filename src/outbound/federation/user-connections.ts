import type { Log } from '../../core/log.js';
import type { McpProvider } from '../../core/model.js';
import { upstreamConfigWith } from './upstream-config.js';
import { UpstreamConnection, type ConnectionTimings } from './upstream-connection.js';

/** How many per-client connections stay open at once, and how long an unused one stays open. */
export interface UserConnectionLimits {
  /** Over it, the connection used least recently is closed (the next call of its client opens it again). */
  maxOpen: number;
  idleMs: number;
}

export const DEFAULT_USER_CONNECTION_LIMITS: UserConnectionLimits = { maxOpen: 64, idleMs: 5 * 60_000 };

interface Open {
  providerId: number;
  client: string;
  key: string;
  /** The provider snapshot it was made for: a new snapshot with the same connection fingerprint keeps it. */
  provider: McpProvider;
  connection: UpstreamConnection;
  lastUsed: number;
}

/**
 * Connections to upstream MCP servers opened with one client's own key (SPEC §11): opened on that client's
 * first call, reused by its next ones, replaced when its key or the server's address changes, closed when
 * idle, when its credential goes, or — over `maxOpen` — the least recently used first. Their tool lists are
 * never offered: tools/list comes from the provider's own connection.
 */
export class UserConnections {
  /** In least-recently-used order: a use moves an entry to the end. */
  private readonly open = new Map<string, Open>();
  private readonly closing = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly timings: ConnectionTimings,
    private readonly log: Log,
    private readonly limits: UserConnectionLimits = DEFAULT_USER_CONNECTION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The client's connection to the provider's server with `key`, ready or failed at its first attempt. */
  async get(provider: McpProvider, client: string, key: string): Promise<UpstreamConnection> {
    const id = JSON.stringify([provider.id, client]);
    let entry = this.open.get(id);
    if (entry && (entry.key !== key || (entry.provider !== provider && !this.sameTarget(entry, provider)))) {
      this.log.info(`upstream MCP server "${provider.code}": client "${client}"'s key or the server changed, reconnecting its own connection`);
      this.remove(id);
      entry = undefined;
    }
    if (!entry) {
      if (this.closed) throw new Error('toolwire is shutting down');
      const connection = new UpstreamConnection(upstreamConfigWith(provider, key), this.timings, this.log, () => {});
      entry = { providerId: provider.id, client, key, provider, connection, lastUsed: 0 };
      this.open.set(id, entry);
      this.log.debug(`upstream MCP server "${provider.code}": opening client "${client}"'s own connection`);
      connection.start();
      this.evictOverCap();
      this.startSweeper();
    }
    entry.provider = provider;
    entry.lastUsed = this.now();
    // Most recently used last.
    this.open.delete(id);
    this.open.set(id, entry);
    await entry.connection.settled();
    return entry.connection;
  }

  /** Closes each connection whose provider is gone or whose client's key is no longer `key` (`keyOf` says which key it would use now). */
  retain(keyOf: (providerId: number, client: string) => string | null): void {
    for (const [id, entry] of this.open) if (keyOf(entry.providerId, entry.client) !== entry.key) this.remove(id);
  }

  /** How many are open (diagnostics and tests). */
  get size(): number {
    return this.open.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const id of [...this.open.keys()]) this.remove(id);
    await Promise.all([...this.closing]);
  }

  private sameTarget(entry: Open, provider: McpProvider): boolean {
    return upstreamConfigWith(provider, entry.key).fingerprint === entry.connection.config.fingerprint;
  }

  private evictOverCap(): void {
    while (this.open.size > this.limits.maxOpen) {
      const [oldest] = this.open.keys();
      if (oldest === undefined) return;
      this.remove(oldest);
    }
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(
      () => {
        const cutoff = this.now() - this.limits.idleMs;
        for (const [id, entry] of this.open) if (entry.lastUsed < cutoff) this.remove(id);
        if (this.open.size === 0 && this.sweeper) {
          clearInterval(this.sweeper);
          this.sweeper = null;
        }
      },
      Math.max(1_000, Math.floor(this.limits.idleMs / 2)),
    );
    this.sweeper.unref();
  }

  private remove(id: string): void {
    const entry = this.open.get(id);
    if (!entry) return;
    this.open.delete(id);
    const closing = entry.connection.close().catch(() => {});
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
  }
}
