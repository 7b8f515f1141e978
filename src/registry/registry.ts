import type { Store } from '../store/index.js';
import type { ChangeFeed } from '../store/change-feed.js';
import { createSqliteChangeFeed, type SqliteChangeFeed } from '../store/change-feed-sqlite.js';
import { buildSnapshot, createBuildCache, type BuildOptions, type ToolSource } from './build.js';
import type { HttpToolFactory, Invoke, RegistrySnapshot } from './types.js';

/** Listeners told per turn of the event loop in a notification pass. */
const NOTIFY_SLICE = 250;

export type Logger = { warn(message: string): void; debug(message: string): void };

/**
 * Holds the current snapshot and swaps it when the store changes. In-process writes call
 * `refresh()`; writes from other processes come through the store's change feed (store/change-feed.ts:
 * SQLite's `data_version` poll, PostgreSQL's LISTEN), and a refresh compares the registry version row
 * first, so nothing is rebuilt when nothing changed.
 * The first snapshot is built by `load()`, which the serving commands await before serving: CLI
 * commands that never serve (`provider list`, `import`) never compile tools. Rebuilds are single
 * flight: one runs, at most one more waits (and serves every refresh asked for meanwhile).
 * What the call path needs from the database besides tools (`addIndex`: client tokens, per-user
 * credentials, vault tokens, rate limits) is read in the same read as the tools and swapped with
 * them, so a tool call reads no database.
 */
export class Registry {
  private snapshot: RegistrySnapshot | null = null;
  private readonly listeners = new Set<() => void>();
  /** The change feed `watch()` started (or was given); null before. */
  private feed: ChangeFeed | null = null;
  private watching = false;
  /** The data-version poll: the default feed, and `checkForChanges()`. */
  private poller: SqliteChangeFeed | null = null;
  /** The rebuild running, and the one waiting behind it (its `force` the OR of every request it serves). */
  private running: Promise<boolean> | null = null;
  private next: { force: boolean; promise: Promise<boolean> } | null = null;
  /** Loaders of the call path's indexes, run in each build's read; a snapshot holds their values in this order. */
  private readonly indexes: Array<() => Promise<unknown>> = [];
  /** What the next rebuild may reuse: only changed tools are read and compiled again. */
  private readonly cache = createBuildCache();
  /** The problem last logged by the watcher, so a lasting one is said once, not every tick. */
  private lastWatchProblem: string | null = null;
  /** The notification pass scheduled or under way (see scheduleNotify), and whether it is already stale. */
  private notifyPass: NodeJS.Immediate | null = null;
  private changedDuringPass = false;
  /** Runs around every tool call (SPEC §12: audit, metrics, rate limits, traces); null: calls run straight. */
  private observer: Invoke | null = null;
  /** Given to every snapshot: reads the observer at call time, so one set later applies to snapshots already handed out. */
  private readonly invoke: Invoke = (entry, args, context) => (this.observer ? this.observer(entry, args, context) : entry.invoke(args, context));

  constructor(
    private readonly store: Store,
    private readonly tools: HttpToolFactory,
    private readonly sources: ToolSource[] = [],
    private readonly logger?: Logger,
    private readonly options: BuildOptions = {},
  ) {}

  /** The snapshot the call path serves; synchronous. Throws before `load()`. */
  current(): RegistrySnapshot {
    if (this.snapshot === null) {
      throw new Error(
        'The registry has no snapshot yet: `await registry.load()` before serving or calling tools (commands that only read or write the catalog never need one).',
      );
    }
    return this.snapshot;
  }

  /** Whether a snapshot was built (`current()` answers). */
  get loaded(): boolean {
    return this.snapshot !== null;
  }

  /** Builds a snapshot with every source and index added so far (the first one, or again after adding some); serving commands await it first. */
  async load(): Promise<RegistrySnapshot> {
    await this.rebuild(true);
    return this.current();
  }

  /**
   * A value the call path reads from memory, loaded by `load` in each build's read transaction and
   * swapped with the snapshot. Add it before `load()` (or `load()` again after): the accessor throws
   * when the current snapshot was built without it.
   */
  addIndex<T>(load: () => Promise<T>): () => T {
    const at = this.indexes.push(load) - 1;
    return () => {
      const indexes = this.current().indexes;
      if (indexes === undefined || at >= indexes.length) {
        throw new Error('A registry index was added after the snapshot was built: `await registry.load()` again after adding it.');
      }
      return indexes[at] as T;
    };
  }

  /** Sets what runs around every tool call, on every path that answers tools/call. */
  observe(observer: Invoke | null): void {
    this.observer = observer;
  }

  private async build(): Promise<RegistrySnapshot> {
    const built = await buildSnapshot(this.store, this.tools, this.sources, (message) => this.logger?.warn(message), this.cache, this.options, this.indexes);
    return { ...built, invoke: this.invoke };
  }

  /**
   * Called after changes (for `notifications/tools/list_changed`): soon after, not inside the write, and
   * once for several quick changes. Returns an unsubscribe function.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addSource(source: ToolSource): void {
    this.sources.push(source);
  }

  /**
   * Rebuilds if the store's registry version moved (or when forced, e.g. an upstream's tools changed);
   * true when it did. Before the first build there is nothing to refresh: `load()` reads the store as it is.
   */
  refresh(force = false): Promise<boolean> {
    if (this.snapshot === null && this.running === null) return Promise.resolve(false);
    return this.rebuild(force);
  }

  /** Single flight: starts a rebuild, or joins the one waiting behind the running one. */
  private rebuild(force: boolean): Promise<boolean> {
    if (this.running === null) return this.start(force);
    if (this.next) {
      this.next.force ||= force;
      return this.next.promise;
    }
    const running = this.running;
    const next = { force, promise: Promise.resolve(false) };
    next.promise = running
      .catch(() => false)
      .then(() => {
        this.next = null;
        return this.start(next.force);
      });
    this.next = next;
    return next.promise;
  }

  private start(force: boolean): Promise<boolean> {
    const run = this.buildIfChanged(force).finally(() => {
      // The waiting rebuild (if any) takes over at once: no gap in which a second one could start beside it.
      if (this.running === run && this.next === null) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async buildIfChanged(force: boolean): Promise<boolean> {
    const had = this.snapshot;
    if (had !== null && !force && (await this.store.registryVersion()) === had.version) return false;
    try {
      this.snapshot = await this.build();
    } catch (err) {
      // The feed must signal again: on SQLite this process's own commits do not move its data_version.
      this.feed?.missed();
      this.poller?.missed();
      throw err;
    }
    if (had !== null) this.scheduleNotify();
    return true;
  }

  /**
   * Tells listeners (one per MCP session) after the write that changed the registry has returned, never
   * inside it: with thousands of idle sessions a write would otherwise pay for every one of them. Writes
   * until the pass starts share it; a change during a pass gets another pass once it ends. The pass
   * goes in slices, so calls keep being answered while many sessions are told.
   */
  private scheduleNotify(): void {
    if (this.notifyPass !== null) {
      this.changedDuringPass = true;
      return;
    }
    this.notifyPass = setImmediate(() => this.notifySlice([...this.listeners], 0));
  }

  private notifySlice(listeners: Array<() => void>, from: number): void {
    const end = Math.min(listeners.length, from + NOTIFY_SLICE);
    for (let i = from; i < end; i++) {
      const listener = listeners[i] as () => void;
      if (!this.listeners.has(listener)) continue; // its session ended meanwhile
      try {
        listener();
      } catch (err) {
        this.logger?.warn(`A registry listener failed: ${(err as Error).message}`);
      }
    }
    if (end < listeners.length) {
      this.notifyPass = setImmediate(() => this.notifySlice(listeners, end));
      return;
    }
    this.notifyPass = null;
    if (this.changedDuringPass) {
      this.changedDuringPass = false;
      this.scheduleNotify();
    }
  }

  /**
   * Uses this change feed for `watch()` instead of the default one (the PostgreSQL LISTEN feed, which
   * needs the connection URL the store does not keep). Call before `watch()`.
   */
  useChangeFeed(feed: ChangeFeed): void {
    if (this.watching) throw new Error('registry: the change feed is already running; give it before watch()');
    this.feed = feed;
  }

  /**
   * Follows other processes' writes through the change feed: the one given to `useChangeFeed`, else the
   * store's `dataVersion` poll every `intervalMs` (SQLite's data_version; on PostgreSQL without the LISTEN
   * feed, the registry version). A refresh that fails (a database error) is signalled again by the feed,
   * so a committed change can never be missed for good.
   */
  watch(intervalMs = 250): void {
    if (this.watching) return;
    this.watching = true;
    this.feed ??= this.poll(intervalMs);
    void this.feed.start(
      () => this.onFeedSignal(),
      (problem) => this.report(problem),
    );
  }

  private poll(intervalMs = 250): SqliteChangeFeed {
    this.poller ??= createSqliteChangeFeed(this.store, { intervalMs });
    return this.poller;
  }

  /** A signal from the feed: refresh; a failure is logged once and rejected, so the feed signals again later. */
  private async onFeedSignal(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.report(`Could not read the database's changes (retrying): ${(err as Error).message}`);
      throw err;
    }
  }

  /** One check of the store's data version now (tests, or a caller that wants to check at once). */
  async checkForChanges(): Promise<void> {
    await this.poll().check(
      () => this.onFeedSignal(),
      (problem) => this.report(problem),
    );
  }

  private report(problem: string | null): void {
    if (problem === null) this.lastWatchProblem = null;
    else this.sayOnce(problem);
  }

  private sayOnce(problem: string): void {
    if (problem === this.lastWatchProblem) return;
    this.lastWatchProblem = problem;
    this.logger?.warn(problem);
  }

  /** Stops the change feed (its connection closes in the background) and any notification pass. */
  stop(): void {
    if (this.feed) void this.feed.stop().catch(() => {});
    this.watching = false;
    if (this.notifyPass) clearImmediate(this.notifyPass);
    this.notifyPass = null;
    this.changedDuringPass = false;
  }
}
