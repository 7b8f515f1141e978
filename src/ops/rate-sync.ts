import { randomUUID } from 'node:crypto';
import type { Log } from '../core/log.js';
import type { RateCountRepository } from '../store/rate-counts.js';
import { SLOT_MS, type SharedCounts } from './rate-limits.js';

export interface RateSyncOptions {
  shared: SharedCounts;
  counts: RateCountRepository;
  log: Log;
  /** How often counts are written and read: the audit queue's flush interval (200 ms). */
  intervalMs?: number;
  now?: (() => number) | undefined;
  /** This instance's id in rate_counts; random per process (a restarted one starts a new row set). */
  instance?: string | undefined;
  /** False until the registry has its snapshot (the limits come with it); a CLI command never loads one. */
  ready?: () => boolean;
}

export interface RateSync {
  /** Writes this instance's new counts and reads the others' now (after the sync running, if any). */
  sync(): Promise<void>;
  /** Stops the timer and writes the last counts, so the others keep counting them. */
  close(): Promise<void>;
}

const WINDOW_MS = 60_000;
const PRUNE_EVERY_MS = 60_000;

/**
 * Makes rate limits hold across instances on one database (SPEC §12, §13) off the call path: every
 * `intervalMs` this instance writes its calls per limited key and slot and reads the other instances' counts
 * for the last minute; the limiter adds them to its own. Nothing happens while no limit is set. A failed
 * write is kept and sent again; until the database answers, the limiter goes on with the counts it last read
 * (so a limit holds per instance at least). Slots older than two minutes are pruned once a minute.
 */
export function createRateSync(options: RateSyncOptions): RateSync {
  const { shared, counts, log } = options;
  const now = options.now ?? Date.now;
  const instance = options.instance ?? randomUUID();
  let lastPrune = -Infinity;
  let failing: string | null = null;
  let inFlight: Promise<void> | null = null;

  async function run(): Promise<void> {
    if (options.ready?.() === false || !shared.limited()) return;
    const at = now();
    const taken = shared.take(at);
    try {
      if (taken.length > 0) await counts.write(instance, taken);
    } catch (err) {
      shared.unsent(taken);
      return warn(err);
    }
    try {
      shared.seeOthers(await counts.others(instance, at - (at % SLOT_MS) - WINDOW_MS - SLOT_MS));
      if (at - lastPrune >= PRUNE_EVERY_MS) {
        await counts.prune(at - 2 * WINDOW_MS);
        lastPrune = at;
      }
      if (failing !== null) log.info('rate limit counts are shared with the other instances again');
      failing = null;
    } catch (err) {
      warn(err);
    }
  }

  function warn(err: unknown): void {
    const message = (err as Error).message;
    if (failing !== message) log.warn(`could not share rate limit counts with the other instances (retrying): ${message}`);
    failing = message;
  }

  function sync(): Promise<void> {
    if (inFlight) return inFlight.then(sync);
    const running = run().finally(() => {
      inFlight = null;
    });
    inFlight = running;
    return running;
  }

  const timer = setInterval(() => {
    if (inFlight === null) void sync();
  }, options.intervalMs ?? 200);
  timer.unref();

  return {
    sync,
    close() {
      clearInterval(timer);
      return sync();
    },
  };
}
