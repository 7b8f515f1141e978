import type { CallRecord } from '../core/audit.js';
import type { Log } from '../core/log.js';

/** Where batches go: one transaction each (the catalog's `audit.recordCalls`). */
export interface AuditSink {
  recordCalls(batch: readonly CallRecord[], pruneBefore: string | null): Promise<void>;
}

export interface AuditQueueOptions {
  sink: AuditSink;
  log: Log;
  /** TOOLWIRE_AUDIT_DAYS: entries older are removed with the first batch, then hourly with a batch. */
  days: number;
  /** How often the queue is written; a kill -9 loses at most this much. */
  flushMs?: number;
  /** Entries held at most; when full, a new entry is dropped and counted (the call is never slowed). */
  capacity?: number;
  now?: () => number;
}

export interface AuditQueue {
  push(record: CallRecord): void;
  /** Writes everything queued now, after the batch being written (close, SIGTERM, tests). */
  flush(): Promise<void>;
  /** Entries dropped because the queue was full. */
  dropped(): number;
  queued(): number;
  /** Stops the timer and writes what is left (waiting for the batch being written). */
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The audit log's call path side (SPEC §12): a call only appends to an array; a timer writes the batch off
 * the path in one transaction every `flushMs` (200 ms by default; one batch in flight: a tick while one is
 * written does nothing), and `close` writes what is left, so a
 * graceful stop loses nothing and a kill -9 at most the last fifth of a second. Bounded: when the database
 * cannot keep up (locked, full) for long enough that `capacity` entries wait, newer ones are dropped and
 * counted (`toolwire_audit_dropped_total`, and a warning) rather than holding calls or memory.
 */
export function createAuditQueue(options: AuditQueueOptions): AuditQueue {
  const { sink, log } = options;
  const flushMs = options.flushMs ?? 200;
  const capacity = options.capacity ?? 50_000;
  const now = options.now ?? Date.now;
  let queue: CallRecord[] = [];
  let droppedCount = 0;
  let warnedFull = false;
  let lastPrune = -Infinity;
  let failing: string | null = null;

  let inFlight: Promise<void> | null = null;

  function flush(): Promise<void> {
    if (inFlight) return inFlight.then(flush);
    if (queue.length === 0) return Promise.resolve(); // a process that serves no call (a CLI command) never writes here
    const run = writeBatch().finally(() => {
      inFlight = null;
    });
    inFlight = run;
    return run;
  }

  /** Writes the queue as one batch; never throws (a failed batch is kept for the next tick). */
  async function writeBatch(): Promise<void> {
    const at = now();
    const prune = at - lastPrune >= HOUR_MS;
    const batch = queue;
    queue = [];
    try {
      await sink.recordCalls(batch, prune ? new Date(at - options.days * DAY_MS).toISOString() : null);
      if (prune) lastPrune = at;
      if (failing !== null) log.info('the audit log is being written again');
      failing = null;
      warnedFull = false;
    } catch (err) {
      // Kept for the next tick (in front of what came meanwhile), up to the bound.
      queue = batch.concat(queue).slice(0, capacity);
      const message = (err as Error).message;
      if (failing !== message) log.warn(`could not write ${batch.length} audit entries (retrying): ${message}`);
      failing = message;
    }
  }

  const timer = setInterval(() => {
    if (inFlight === null) void flush();
  }, flushMs);
  timer.unref();

  return {
    push(record) {
      if (queue.length >= capacity) {
        droppedCount++;
        if (!warnedFull)
          log.warn(`the audit queue is full (${capacity} entries waiting for the database): calls are served, their entries dropped until it drains`);
        warnedFull = true;
        return;
      }
      queue.push(record);
    },
    flush,
    dropped: () => droppedCount,
    queued: () => queue.length,
    close() {
      clearInterval(timer);
      return flush();
    },
  };
}
