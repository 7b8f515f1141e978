import type { RateCount } from '../store/rate-counts.js';
import type { RateLimitIndex } from '../store/rate-limits.js';

export type LimitKind = 'provider' | 'tool' | 'client';

/** A call over a limit: which one, and when a call would next be let through. */
export interface LimitRefusal {
  kind: LimitKind;
  name: string;
  perMinute: number;
  retryAfterMs: number;
}

const WINDOW_MS = 60_000;
/** The granularity of the counts instances share (rate-counts.ts): a slot's calls count until its end leaves the window. */
export const SLOT_MS = 10_000;

const slotOf = (at: number) => at - (at % SLOT_MS);

/**
 * One limit's state on this instance: the times of the calls it let through in the last minute, oldest
 * first (a sliding-window log, so "N a minute" means at most N in any 60 seconds, with no burst at a window's
 * edge; memory bounded by N), its own counts per slot for the other instances, and their counts as last read.
 */
class CallLog {
  private times: number[] = [];
  private head = 0;
  /** This instance's calls per slot (whole counts), and the slots changed since they were last written. */
  readonly own = new Map<number, number>();
  readonly dirty = new Set<number>();
  /** The other instances' calls per slot, oldest first (empty on a single instance). */
  others: ReadonlyArray<{ slot: number; n: number }> = [];

  /** The wait before one more call fits under `perMinute`, 0 when it fits now. */
  wait(now: number, perMinute: number): number {
    while (this.head < this.times.length && (this.times[this.head] as number) <= now - WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    const inWindow = this.times.length - this.head;
    // Another instance's slot may still hold calls inside the window until the slot's end leaves it.
    const others = this.others.filter((o) => o.slot + SLOT_MS + WINDOW_MS > now);
    let elsewhere = 0;
    for (const o of others) elsewhere += o.n;
    if (inWindow + elsewhere < perMinute) return 0;
    // Free calls oldest first, here and elsewhere, until one more fits (a lowered limit may need several).
    let need = inWindow + elsewhere - perMinute + 1;
    let i = this.head;
    let j = 0;
    for (;;) {
      const local = i < this.times.length ? (this.times[i] as number) + WINDOW_MS : Infinity;
      const other = j < others.length ? (others[j] as { slot: number }).slot + SLOT_MS + WINDOW_MS : Infinity;
      if (local === Infinity && other === Infinity) return WINDOW_MS; // unreachable: need ≤ what is counted
      if (local <= other) {
        i++;
        need -= 1;
        if (need <= 0) return local - now;
      } else {
        need -= (others[j] as { n: number }).n;
        j++;
        if (need <= 0) return other - now;
      }
    }
  }

  add(now: number): void {
    this.times.push(now);
    const slot = slotOf(now);
    this.own.set(slot, (this.own.get(slot) ?? 0) + 1);
    this.dirty.add(slot);
  }
}

/** What an instance shares with the others (ops/rate-sync.ts writes and reads it off the call path). */
export interface SharedCounts {
  /** Whether any limit is set: with none there is nothing to share and nothing is written or read. */
  limited(): boolean;
  /** This instance's counts changed since the last take, each a slot's whole count (a rewrite is harmless). */
  take(now: number): RateCount[];
  /** Marks counts a failed write did not store, to be taken again. */
  unsent(counts: readonly RateCount[]): void;
  /** The other instances' counts per key and slot, as just read: they replace the previous ones. */
  seeOthers(counts: readonly RateCount[]): void;
}

export interface RateLimiter {
  /** Checks the tool's, its provider's and the client's limits; a call let through counts against all three. */
  admit(tool: string, provider: string, client: string): LimitRefusal | null;
  readonly shared: SharedCounts;
}

/**
 * Rate limits (SPEC §12). The limits come from `limits()` (the catalog's index, loaded with the registry's
 * snapshot); `now` is injectable so tests need no waiting. A call refused by one limit counts against none.
 * A call is let through when this instance's calls in the last minute plus the other instances' (as last
 * read, at most one sync interval old) stay under the limit: the call path reads no database. So across
 * instances a limit can be overshot by what the others let through before their counts are read (about two
 * sync intervals, 400 ms); on one instance it is exact.
 */
export function createRateLimiter(limits: () => RateLimitIndex, now: () => number = Date.now): RateLimiter {
  const logs = new Map<string, CallLog>();
  const logOf = (key: string) => {
    let log = logs.get(key);
    if (!log) logs.set(key, (log = new CallLog()));
    return log;
  };
  const shared: SharedCounts = {
    limited() {
      const index = limits();
      return index.tools.size + index.providers.size + index.clients.size > 0;
    },
    take(at) {
      const taken: RateCount[] = [];
      const oldest = slotOf(at) - WINDOW_MS - SLOT_MS;
      for (const [key, log] of logs) {
        for (const slot of log.dirty) {
          const n = log.own.get(slot);
          if (n !== undefined) taken.push({ key, slot, n });
        }
        log.dirty.clear();
        for (const slot of log.own.keys()) if (slot < oldest) log.own.delete(slot);
      }
      return taken;
    },
    unsent(counts) {
      for (const c of counts) logs.get(c.key)?.dirty.add(c.slot);
    },
    seeOthers(counts) {
      const byKey = new Map<string, Array<{ slot: number; n: number }>>();
      for (const c of counts) {
        let list = byKey.get(c.key);
        if (!list) byKey.set(c.key, (list = []));
        list.push({ slot: Number(c.slot), n: Number(c.n) });
      }
      for (const [key, log] of logs) if (!byKey.has(key)) log.others = [];
      for (const [key, list] of byKey) logOf(key).others = list.sort((a, b) => a.slot - b.slot);
    },
  };
  return {
    shared,
    admit(tool, provider, client) {
      const index = limits();
      const toolLimit = index.tools.get(tool);
      const providerLimit = index.providers.get(provider);
      const clientLimit = index.clients.get(client);
      if (toolLimit === undefined && providerLimit === undefined && clientLimit === undefined) return null;
      const at = now();
      const applying: Array<[LimitKind, string, number, CallLog]> = [];
      if (clientLimit !== undefined) applying.push(['client', client, clientLimit, logOf(`client:${client}`)]);
      if (toolLimit !== undefined) applying.push(['tool', tool, toolLimit, logOf(`tool:${tool}`)]);
      if (providerLimit !== undefined) applying.push(['provider', provider, providerLimit, logOf(`provider:${provider}`)]);
      for (const [kind, name, perMinute, log] of applying) {
        const wait = log.wait(at, perMinute);
        if (wait > 0) return { kind, name, perMinute, retryAfterMs: wait };
      }
      for (const entry of applying) entry[3].add(at);
      return null;
    },
  };
}

/** The isError text: which limit, and when to retry. */
export function limitMessage(refusal: LimitRefusal): string {
  const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  const which = refusal.kind === 'client' ? `client "${refusal.name}"` : refusal.kind === 'tool' ? `tool "${refusal.name}"` : `provider "${refusal.name}"`;
  return `Rate limit reached: ${which} allows ${refusal.perMinute} call(s) a minute. Nothing was sent to the API. Retry in ${seconds} second(s).`;
}
