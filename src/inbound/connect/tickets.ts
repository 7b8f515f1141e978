import { createHash, randomBytes } from 'node:crypto';
import type { ClientIdentity } from '../../core/identity.js';
import type { CredentialNeed } from '../../core/tool-result.js';
import type { TicketRow, TicketRows } from '../../core/shared-state.js';

/**
 * Connect tickets (SPEC §11 "Connect your account"): the secret part of a `/connect/{ticket}` link. One
 * is minted when a call answered "this caller lacks its own credential", bound to the identity that made
 * the call (its name and creation time, so a client removed and added again does not inherit it) and to
 * the provider; single-use, valid `ttlMs`. Kept in the database by the SHA-256 of the ticket (never the
 * ticket itself), so the link works on any instance behind a balancer, and single use holds across them
 * (issue 16). The page is not the call path: it reads the table every time.
 */
export type Ticket = TicketRow;

export interface TicketBookOptions {
  /** Where tickets are kept (the catalog's shared state); absent: this process's memory (unit tests). */
  rows?: TicketRows;
  /** How long a ticket is valid; SPEC §11 says 10 minutes. */
  ttlMs?: number;
  /** Milliseconds since the epoch; injectable so a test can let 10 minutes pass at once. */
  now?: () => number;
  /** Tickets pending in all: beyond it the oldest is dropped. */
  maxPending?: number;
  /** Tickets pending per identity: one agent looping on a call cannot push out everyone else's. */
  maxPerClient?: number;
  /** Wrong tokens a ticket survives: then it is burnt (a token cannot be guessed, but nobody gets to try forever). */
  maxFailures?: number;
  /** How often a waiting call looks whether another instance used its ticket (1 s). */
  pollMs?: number;
  /** Told when a ticket could not be written (its link then answers 410: the user is asked again). */
  warn?: (message: string) => void;
}

/** Why a ticket cannot be used: gone (never existed, used, burnt or expired — the page answers 410 for all). */
export type TicketLookup = { ok: true; ticket: Ticket } | { ok: false };

export interface TicketBook {
  /**
   * A new ticket for this need, bound to `identity`; returns the ticket (≥128 bits of randomness, URL-safe)
   * once its row is written, so the link works on any instance as soon as the answer naming it is out.
   */
  mint(need: CredentialNeed, identity: ClientIdentity): Promise<string>;
  /** The pending ticket, if it is still usable. */
  find(ticket: string): Promise<TicketLookup>;
  /** Uses the ticket up (after a successful store or a redirect): it cannot be used again, on any instance. */
  use(ticket: string): Promise<void>;
  /** Counts a wrong token; the ticket is burnt after `maxFailures` of them. */
  fail(ticket: string): Promise<void>;
  /** Forgets the ticket (its identity is gone). */
  drop(ticket: string): Promise<void>;
  /**
   * Resolves when the ticket is used (true), or when it expires, is dropped or `signal` aborts (false):
   * a 2025-11-25 call that sent the user to the page waits on it before running again. A use on this
   * instance is heard at once, one on another instance at the next look at the table (`pollMs`).
   */
  used(ticket: string, signal?: AbortSignal): Promise<boolean>;
  /** Tickets still usable now (tests, logs). */
  size(): Promise<number>;
}

export const TICKET_TTL_MS = 10 * 60_000;
const TICKET_BYTES = 32;
const TICKET_SYNTAX = /^[A-Za-z0-9_-]{43}$/;

const keyOf = (ticket: string) => createHash('sha256').update(ticket).digest('base64url');

export function createTicketBook(options: TicketBookOptions = {}): TicketBook {
  const ttlMs = options.ttlMs ?? TICKET_TTL_MS;
  const now = options.now ?? Date.now;
  const maxPending = options.maxPending ?? 10_000;
  const maxPerClient = options.maxPerClient ?? 20;
  const maxFailures = options.maxFailures ?? 5;
  const pollMs = options.pollMs ?? 1000;
  const rows = options.rows ?? memoryTicketRows();
  /** Waiters per ticket hash: told true when it is used, false when it goes any other way. */
  const waiters = new Map<string, Set<(used: boolean) => void>>();

  function settle(key: string, used: boolean): void {
    const waiting = waiters.get(key);
    waiters.delete(key);
    for (const resolve of waiting ?? []) resolve(used);
  }

  /** The ticket's row while it has not expired, used or not; null for a malformed or unknown ticket. */
  async function known(ticket: string): Promise<[string, Ticket] | null> {
    if (!TICKET_SYNTAX.test(ticket)) return null;
    const key = keyOf(ticket);
    const found = await rows.get(key, now());
    return found ? [key, found] : null;
  }

  /** The ticket's row while it can still be used. */
  async function live(ticket: string): Promise<[string, Ticket] | null> {
    const found = await known(ticket);
    return found && !found[1].used ? found : null;
  }

  return {
    async mint(need, identity) {
      const ticket = randomBytes(TICKET_BYTES).toString('base64url');
      const key = keyOf(ticket);
      const row = {
        clientName: identity.name,
        clientCreatedAt: identity.createdAt,
        providerId: need.providerId,
        providerCode: need.providerCode,
        expiresAt: now() + ttlMs,
      };
      try {
        await rows.add(key, row, { perClient: maxPerClient, total: maxPending, now: now() });
      } catch (err) {
        // A ticket that could not be written is one the page answers 410 for: the user is asked again.
        options.warn?.(`Could not keep a connect ticket (its link will not work): ${(err as Error).message}`);
      }
      return ticket;
    },
    async find(ticket) {
      const found = await live(ticket);
      return found ? { ok: true, ticket: found[1] } : { ok: false };
    },
    async use(ticket) {
      if (!TICKET_SYNTAX.test(ticket)) return;
      const key = keyOf(ticket);
      if (await rows.use(key, now())) settle(key, true);
    },
    async fail(ticket) {
      if (!TICKET_SYNTAX.test(ticket)) return;
      const key = keyOf(ticket);
      if (await rows.fail(key, maxFailures, now())) settle(key, false);
    },
    async drop(ticket) {
      const found = await live(ticket);
      if (!found) return;
      await rows.drop(found[0]);
      settle(found[0], false);
    },
    async used(ticket, signal) {
      const found = await known(ticket);
      if (found?.[1].used) return true;
      if (!found || signal?.aborted) return false;
      const [key, record] = found;
      return new Promise<boolean>((resolve) => {
        let set = waiters.get(key);
        if (!set) waiters.set(key, (set = new Set()));
        const done = (used: boolean) => {
          clearTimeout(timer);
          clearInterval(poll);
          signal?.removeEventListener('abort', onAbort);
          set!.delete(done);
          resolve(used);
        };
        const onAbort = () => done(false);
        // The clock may be a test's; the wait is bounded by the ticket's own lifetime either way.
        const timer = setTimeout(() => done(false), Math.max(0, record.expiresAt - now()));
        timer.unref();
        // Another instance may use it: the table says so (a failed look is tried again at the next tick).
        const look = () =>
          void rows.get(key, now()).then(
            (row) => {
              if (!row) done(false);
              else if (row.used) done(true);
            },
            () => {},
          );
        const poll = setInterval(look, pollMs);
        poll.unref();
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(done);
        // A use between the first read and now told no one: look once more.
        look();
      });
    },
    size: () => rows.count(now()),
  };
}

/** Tickets in this process's memory, for a book without a database (unit tests): the same rules as the table. */
function memoryTicketRows(): TicketRows {
  const tickets = new Map<string, TicketRow>();
  const drop = (keep: (key: string, row: TicketRow) => boolean) => {
    for (const [key, row] of tickets) if (!keep(key, row)) tickets.delete(key);
  };
  const trim = (pick: (row: TicketRow) => boolean, keepCount: number) => {
    const matching = [...tickets].filter(([, row]) => !row.used && pick(row));
    for (const [key] of matching.slice(0, Math.max(0, matching.length - keepCount))) tickets.delete(key);
  };
  return {
    async add(hash, row, caps) {
      drop((_, r) => r.expiresAt > caps.now);
      trim((r) => r.clientName === row.clientName, caps.perClient - 1);
      trim(() => true, caps.total - 1);
      tickets.set(hash, { ...row, failures: 0, used: false });
    },
    async get(hash, at) {
      const row = tickets.get(hash);
      return row && row.expiresAt > at ? { ...row } : undefined;
    },
    async use(hash, at) {
      const row = tickets.get(hash);
      if (!row || row.used || row.expiresAt <= at) return false;
      row.used = true;
      return true;
    },
    async fail(hash, max, at) {
      const row = tickets.get(hash);
      if (!row || row.used || row.expiresAt <= at) return false;
      if (++row.failures < max) return false;
      tickets.delete(hash);
      return true;
    },
    async drop(hash) {
      if (!tickets.get(hash)?.used) tickets.delete(hash);
    },
    async count(at) {
      return [...tickets.values()].filter((r) => !r.used && r.expiresAt > at).length;
    },
  };
}
