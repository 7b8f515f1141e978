import type { ChangeFeed } from './change-feed-contract.js';
import type { SqlExecutor } from './driver.js';

/**
 * How an instance learns that another one changed the catalog (SPEC §13: within one second), on PostgreSQL
 * (docs/design/postgresql.md §3). The bump trigger of every catalog table sends `NOTIFY toolwire_changes`
 * at commit; one dedicated connection (a LISTEN needs a session of its own, never a pooled one) receives it.
 * A notification sent while that connection is down is lost, so: the feed reconnects by itself (a pg
 * client that lost its server never comes back), signals a change at once after a reconnect, and polls
 * `registry_version` as a safety net, every 5 s while listening and every 1 s while not.
 */

export type { ChangeFeed } from './change-feed-contract.js';

/** The part of a `pg.Client` the feed uses (a fresh, unconnected client per attempt). */
export interface ListenClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

export interface PostgresChangeFeedOptions {
  /** A new client for each (re)connection: `() => new pg.Client({ connectionString, … })`. */
  client: () => ListenClient;
  /** Runs the safety poll's one indexed read (the store's pool). */
  db: SqlExecutor;
  /** Told of a lost or failed connection, once per outage (not once per retry); absent: nobody. */
  onError?: (err: Error) => void;
  channel?: string;
  /** The safety poll while listening (default 5 s) and while reconnecting (default 1 s). */
  pollMs?: number;
  reconnectingPollMs?: number;
  /** The first retry's wait, doubled per failure up to `maxBackoffMs` (default 100 ms, then at most 1 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const VERSION = "SELECT value FROM meta WHERE key = 'registry_version'";

export function createPostgresChangeFeed(options: PostgresChangeFeedOptions): ChangeFeed {
  const { db, channel = 'toolwire_changes', pollMs = 5000, reconnectingPollMs = 1000, backoffMs = 100, maxBackoffMs = 1000 } = options;
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`change feed: channel "${channel}" is not a plain lower-case identifier`);

  let onChange: (() => unknown) | null = null;
  let report: ((problem: string | null) => void) | undefined;
  /** A refresh failed since the last signal: the next safety poll signals even if the version did not move. */
  let owed = false;
  let client: ListenClient | null = null;
  let listening = false;
  let stopped = false;
  let failures = 0;
  /** The registry_version last seen by the poll or after a signal; null: not read yet. */
  let seen: string | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let pollTimer: NodeJS.Timeout | null = null;

  const signal = () => {
    if (stopped || !onChange) return;
    owed = false;
    // A failed refresh says so through missed() (the registry calls it): nothing to catch here but the rejection.
    void Promise.resolve()
      .then(onChange)
      .catch(() => {});
  };
  const tell = (err: Error) => {
    options.onError?.(err);
    report?.(`The change listener lost its database connection (reconnecting; changes from other instances are picked up once it is back): ${err.message}`);
  };

  /**
   * Reads the version. From the safety poll (`report`), a move since the last read is a change nobody told
   * us about; after a signal it only records the version that signal covered.
   */
  async function poll(reportMove = true): Promise<void> {
    let value: string;
    try {
      const row = await db.get<{ value: string | number }>(VERSION);
      if (!row) return;
      value = String(row.value);
    } catch {
      return; // the database is away: the reconnection reports it, and the next poll tries again
    }
    const moved = seen !== null && value !== seen;
    seen = value;
    if ((moved || owed) && reportMove) signal();
  }

  /** The next safety poll: at the listening pace, or sooner (`soon`: reconnecting, or a refresh to try again). */
  function schedulePoll(soon = false): void {
    if (pollTimer) clearTimeout(pollTimer);
    if (stopped) return;
    pollTimer = setTimeout(
      () => {
        pollTimer = null;
        void poll().finally(() => schedulePoll(owed));
      },
      listening && !soon ? pollMs : reconnectingPollMs,
    );
    pollTimer.unref();
  }

  /** The connection is gone (error or end): drop it once, and try again after the backoff. */
  function lost(which: ListenClient, err: Error | null): void {
    if (which !== client) return; // an old client's late event
    client = null;
    const wasListening = listening;
    listening = false;
    which.end().catch(() => {});
    if (stopped) return;
    if (wasListening || failures === 0) tell(err ?? new Error('the change listener lost its database connection'));
    schedulePoll(); // at the reconnecting pace
    retry();
  }

  function retry(): void {
    if (stopped || retryTimer) return;
    const wait = Math.min(maxBackoffMs, backoffMs * 2 ** failures);
    failures++;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, wait);
    retryTimer.unref();
  }

  /** One attempt: a new client, LISTEN, then a signal if this is not the first connection (changes may have been missed). */
  async function connect(): Promise<void> {
    if (stopped) return;
    const attempt = options.client();
    client = attempt;
    attempt.on('error', (err) => lost(attempt, err));
    attempt.on('end', () => lost(attempt, null));
    attempt.on('notification', (message) => {
      if (message.channel !== channel) return;
      signal();
      void poll(false); // the version this signal covers, so the safety poll does not signal it again
    });
    try {
      await attempt.connect();
      await attempt.query(`LISTEN ${channel}`);
    } catch (err) {
      lost(attempt, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (attempt !== client || stopped) {
      attempt.end().catch(() => {});
      return;
    }
    const reconnected = seen !== null || failures > 0;
    listening = true;
    failures = 0;
    if (reconnected) report?.(null);
    schedulePoll();
    // After a reconnection, notifications may have been missed: refresh at once. The first connection only
    // reads the baseline the safety poll compares with (the registry loads its first snapshot itself).
    if (reconnected) signal();
    await poll(false);
  }

  return {
    async start(listener, problems) {
      if (onChange) throw new Error('change feed: already started');
      onChange = listener;
      report = problems;
      await connect();
    },

    missed() {
      // The refresh is tried again at the reconnecting pace (1 s), not after the listening one (5 s).
      owed = true;
      if (onChange && !stopped) schedulePoll(true);
    },

    async stop() {
      stopped = true;
      onChange = null;
      if (retryTimer) clearTimeout(retryTimer);
      if (pollTimer) clearTimeout(pollTimer);
      retryTimer = pollTimer = null;
      const last = client;
      client = null;
      listening = false;
      if (last) await last.end().catch(() => {});
    },
  };
}
