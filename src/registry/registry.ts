import type { Store } from '../store/index.js';
import { buildSnapshot, createBuildCache, type BuildOptions, type ToolSource } from './build.js';
import type { HttpToolFactory, Invoke, RegistrySnapshot } from './types.js';

/** Listeners told per turn of the event loop in a notification pass. */
const NOTIFY_SLICE = 250;

export type Logger = { warn(message: string): void; debug(message: string): void };

/**
 * Holds the current snapshot and swaps it when the store changes. In-process writes call
 * `refresh()`; writes from other processes are noticed by polling SQLite's cheap `data_version`
 * and then the registry version row, so nothing is rebuilt when nothing changed.
 * The first snapshot is built on first use: CLI commands that never serve (`provider list`,
 * `import`) never compile tools, and a server builds once, with every source already added.
 */
export class Registry {
  private snapshot: RegistrySnapshot | null = null;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private lastDataVersion: number;
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
  ) {
    this.lastDataVersion = store.dataVersion();
  }

  current(): RegistrySnapshot {
    this.snapshot ??= this.build();
    return this.snapshot;
  }

  /** Sets what runs around every tool call, on every path that answers tools/call. */
  observe(observer: Invoke | null): void {
    this.observer = observer;
  }

  private build(): RegistrySnapshot {
    return { ...buildSnapshot(this.store, this.tools, this.sources, (message) => this.logger?.warn(message), this.cache, this.options), invoke: this.invoke };
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
   * Rebuilds if the store's registry version moved (or when forced, e.g. an upstream's tools changed).
   * Before the first build there is nothing to refresh: the first `current()` reads the store as it is.
   */
  refresh(force = false): boolean {
    if (this.snapshot === null) return false;
    const version = this.store.registryVersion();
    if (!force && version === this.snapshot.version) return false;
    try {
      this.snapshot = this.build();
    } catch (err) {
      // This process's own commits do not move its data_version: make the watcher's next tick try again.
      this.lastDataVersion = -1;
      throw err;
    }
    this.scheduleNotify();
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
   * Polls for other processes' writes. The data_version is recorded only once the rebuild it calls for
   * has succeeded: a rebuild that fails (a database error) is tried again at the next tick, so a
   * committed change can never be missed for good.
   */
  watch(intervalMs = 250): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.checkForChanges(), intervalMs);
    this.timer.unref();
  }

  /** One watcher tick; public so a caller can check at once. */
  checkForChanges(): void {
    try {
      const fileProblem = this.store.fileProblem();
      if (fileProblem) {
        this.sayOnce(fileProblem);
        return;
      }
      const dataVersion = this.store.dataVersion();
      if (dataVersion === this.lastDataVersion) return;
      this.refresh();
      this.lastDataVersion = dataVersion;
      this.lastWatchProblem = null;
    } catch (err) {
      this.sayOnce(`Could not read the database's changes (retrying): ${(err as Error).message}`);
    }
  }

  private sayOnce(problem: string): void {
    if (problem === this.lastWatchProblem) return;
    this.lastWatchProblem = problem;
    this.logger?.warn(problem);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.notifyPass) clearImmediate(this.notifyPass);
    this.notifyPass = null;
    this.changedDuringPass = false;
  }
}
