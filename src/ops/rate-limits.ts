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

/**
 * The times of the calls let through in the last minute under one limit, oldest first: a sliding-window
 * log, so "N a minute" means at most N in any 60 seconds — exact, with no burst at a window's edge. Its
 * memory is bounded by the limit itself (N timestamps).
 */
class CallLog {
  private times: number[] = [];
  private head = 0;

  /** The wait before one more call fits under `perMinute`, 0 when it fits now. */
  wait(now: number, perMinute: number): number {
    while (this.head < this.times.length && (this.times[this.head] as number) <= now - WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    const inWindow = this.times.length - this.head;
    if (inWindow < perMinute) return 0;
    // The call that frees a slot is the (inWindow - perMinute + 1)-th oldest (a lowered limit may leave more than N).
    const freeing = this.times[this.head + inWindow - perMinute] as number;
    return freeing + WINDOW_MS - now;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

export interface RateLimiter {
  /** Checks the tool's, its provider's and the client's limits; a call let through counts against all three. */
  admit(tool: string, provider: string, client: string): LimitRefusal | null;
}

/**
 * Rate limits (SPEC §12), in memory per instance. The limits come from `limits()` (the catalog's index,
 * read again only when the registry version moves); `now` is injectable so tests need no waiting. A call
 * refused by one limit counts against none.
 */
export function createRateLimiter(limits: () => RateLimitIndex, now: () => number = Date.now): RateLimiter {
  const logs = new Map<string, CallLog>();
  const logOf = (key: string) => {
    let log = logs.get(key);
    if (!log) logs.set(key, (log = new CallLog()));
    return log;
  };
  return {
    admit(tool, provider, client) {
      const index = limits();
      const toolLimit = index.tools.get(tool);
      const providerLimit = index.providers.get(provider);
      const clientLimit = index.clients.get(client);
      if (toolLimit === undefined && providerLimit === undefined && clientLimit === undefined) return null;
      const at = now();
      const applying: Array<[LimitKind, string, number, CallLog]> = [];
      if (clientLimit !== undefined) applying.push(['client', client, clientLimit, logOf(`c\u0000${client}`)]);
      if (toolLimit !== undefined) applying.push(['tool', tool, toolLimit, logOf(`t\u0000${tool}`)]);
      if (providerLimit !== undefined) applying.push(['provider', provider, providerLimit, logOf(`p\u0000${provider}`)]);
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
