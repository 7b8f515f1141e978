import { ToolwireError } from '../core/errors.js';
import type { SqlDriver, SqlExecutor } from './driver.js';

/**
 * One dynamic-auth (or client-credentials) token per slot for every instance on one database (SPEC §13,
 * docs/design/postgresql.md §3): the token manager keeps its memory and in-process single flight in front,
 * and behind it this store makes sure N instances with a cold cache cause one fetch from the token endpoint,
 * not N. The table has no bump trigger: a new token is not a catalog change.
 *
 * PostgreSQL: `fetchOnce` takes a transaction-scoped advisory lock on the slot, reads the row again inside it
 * (READ COMMITTED: the statement after the lock sees what the previous holder committed) and fetches only if
 * it is still missing or due; the lock goes with the commit. SQLite: a write transaction must never stay open
 * across the fetch (better-sqlite3 waits for a busy lock synchronously, so another process would freeze its
 * event loop for the whole fetch), so the fetch runs outside it and a short BEGIN IMMEDIATE keeps the
 * first token written: exactly one fetch per process (the in-process single flight), at most one per process
 * on one file.
 */

/** A token as the store keeps it; times are epoch milliseconds. */
export interface SharedToken {
  token: string;
  /** No call uses it from then. */
  expiresAt: number;
  /** Its successor is due from then (fetched ahead, by whichever instance gets there first). */
  refreshAt: number;
  fetchedAt: number;
}

/** What a fetch from the token endpoint returns; `fetchedAt` defaults to the store's clock when it returns. */
export type FetchedSharedToken = Omit<SharedToken, 'fetchedAt'> & { fetchedAt?: number };

/** Seals a token at rest with the master key (the same on every instance, hence required with PostgreSQL). */
export interface TokenSeal {
  seal(plain: string): string | Promise<string>;
  /** Throws when no key opens it (the row is then treated as absent, and fetched again). */
  open(sealed: string): string | Promise<string>;
}

export interface SharedTokenStore {
  /** The slot's token while it may be used (`expiresAt` ahead), else undefined. No lock. */
  get(slot: string): Promise<SharedToken | undefined>;
  /**
   * The slot's token from one fetch across every instance: if another instance fetched it meanwhile (its
   * `refreshAt` is still ahead), that one, without calling `fetch`. For a cold slot and for a due refresh
   * alike. A failed fetch stores nothing and throws; the next caller tries again.
   */
  fetchOnce(slot: string, fetch: () => Promise<FetchedSharedToken>): Promise<SharedToken>;
  /**
   * Forgets the slot's token only if it is still `stale` (compare-and-delete): one instance's 401 never
   * throws away the token another instance has just fetched. True when a row went.
   */
  invalidate(slot: string, stale: string): Promise<boolean>;
  /** Forgets the slot's token whatever it is (its provider or credential changed or went): true when a row went. */
  remove(slot: string): Promise<boolean>;
}

export interface SharedTokenStoreOptions {
  seal: TokenSeal;
  /** PostgreSQL: the longest a caller waits for another instance's fetch (lock_timeout); the token fetch timeout fits. */
  lockTimeoutMs?: number;
  now?: () => number;
}

interface Row {
  token_enc: string;
  expires_at: number | string;
  refresh_at: number | string;
  fetched_at: number | string;
}

const SELECT = 'SELECT token_enc, expires_at, refresh_at, fetched_at FROM shared_tokens WHERE slot = ?';
const UPSERT = `INSERT INTO shared_tokens (slot, token_enc, expires_at, refresh_at, fetched_at) VALUES (@slot, @token_enc, @expires_at, @refresh_at, @fetched_at)
  ON CONFLICT (slot) DO UPDATE SET token_enc = excluded.token_enc, expires_at = excluded.expires_at, refresh_at = excluded.refresh_at, fetched_at = excluded.fetched_at`;

/** `driver`: on PostgreSQL a small pool of its own (design: max 4), since a fetch holds a connection while it runs. */
export function createSharedTokenStore(driver: SqlDriver, options: SharedTokenStoreOptions): SharedTokenStore {
  const { seal, lockTimeoutMs = 30_000, now = Date.now } = options;
  // One fetch per slot in this process: the other callers here wait for it instead of queueing on the lock.
  const inflight = new Map<string, Promise<SharedToken>>();

  async function read(db: SqlExecutor, slot: string): Promise<SharedToken | undefined> {
    const row = await db.get<Row>(SELECT, [slot]);
    if (!row) return undefined;
    let token: string;
    try {
      token = await seal.open(row.token_enc);
    } catch {
      return undefined; // sealed with a key this instance does not hold: a token is cheap to fetch again
    }
    return { token, expiresAt: Number(row.expires_at), refreshAt: Number(row.refresh_at), fetchedAt: Number(row.fetched_at) };
  }

  async function write(db: SqlExecutor, slot: string, t: SharedToken): Promise<void> {
    await db.run(UPSERT, {
      slot,
      token_enc: await seal.seal(t.token),
      expires_at: t.expiresAt,
      refresh_at: t.refreshAt,
      fetched_at: t.fetchedAt,
    });
  }

  async function fetched(fetch: () => Promise<FetchedSharedToken>): Promise<SharedToken> {
    const t = await fetch();
    return { token: t.token, expiresAt: t.expiresAt, refreshAt: t.refreshAt, fetchedAt: t.fetchedAt ?? now() };
  }

  async function lockedFetch(slot: string, fetch: () => Promise<FetchedSharedToken>): Promise<SharedToken> {
    try {
      return await driver.transaction(async (tx) => {
        await tx.exec(`SET LOCAL lock_timeout = '${Math.max(1, Math.round(lockTimeoutMs))}ms'`);
        await tx.run('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`toolwire:token:${slot}`]);
        const current = await read(tx, slot);
        if (current && current.refreshAt > now()) return current;
        const token = await fetched(fetch);
        await write(tx, slot, token);
        return token;
      });
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code === '55P03') {
        throw new ToolwireError(
          'AUTH_FETCH',
          `Waited ${lockTimeoutMs} ms for another toolwire instance to fetch the token of "${slot}" and gave up: that instance's token request is stuck or it lost its database connection. The next call tries again; if this repeats, check the token endpoint and the instances' logs.`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async function optimisticFetch(slot: string, fetch: () => Promise<FetchedSharedToken>): Promise<SharedToken> {
    const startedAt = now();
    const token = await fetched(fetch);
    // Another process on the same file may have stored one while we fetched: keep the first written.
    return driver.transaction(async (tx) => {
      const current = await read(tx, slot);
      if (current && current.fetchedAt >= startedAt && current.refreshAt > now()) return current;
      await write(tx, slot, token);
      return token;
    });
  }

  return {
    async get(slot) {
      const current = await read(driver, slot);
      return current && current.expiresAt > now() ? current : undefined;
    },

    fetchOnce(slot, fetch) {
      const running = inflight.get(slot);
      if (running) return running;
      const pending = (driver.dialect === 'postgres' ? lockedFetch(slot, fetch) : optimisticFetch(slot, fetch)).finally(() => {
        inflight.delete(slot);
      });
      inflight.set(slot, pending);
      return pending;
    },

    async invalidate(slot, stale) {
      // A sealed text differs per seal (random nonce): open the row to compare, then delete that exact text.
      // No lock: if another instance replaces the row meanwhile, the DELETE no longer matches it.
      const row = await driver.get<Row>(SELECT, [slot]);
      if (!row) return false;
      let token: string | null;
      try {
        token = await seal.open(row.token_enc);
      } catch {
        token = null; // unreadable here: as good as stale
      }
      if (token !== null && token !== stale) return false;
      const { changes } = await driver.run('DELETE FROM shared_tokens WHERE slot = ? AND token_enc = ?', [slot, row.token_enc]);
      return changes > 0;
    },

    async remove(slot) {
      const { changes } = await driver.run('DELETE FROM shared_tokens WHERE slot = ?', [slot]);
      return changes > 0;
    },
  };
}
