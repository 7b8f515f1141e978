import { createHash, randomBytes } from 'node:crypto';
import type { ClientIdentity } from '../../core/identity.js';
import type { CredentialNeed } from '../../core/tool-result.js';

/**
 * Connect tickets (SPEC §11 "Connect your account"): the secret part of a `/connect/{ticket}` link. One
 * is minted when a call answered "this caller lacks its own credential", bound to the identity that made
 * the call (its name and creation time, so a client removed and added again does not inherit it) and to
 * the provider; single-use, valid `ttlMs`. Kept in this process's memory only, by the SHA-256 of the
 * ticket (never the ticket itself): a restart forgets them, and the user is simply asked again.
 */
export interface Ticket {
  clientName: string;
  /** The identity record's creation time: a re-added client with the same name is another identity. */
  clientCreatedAt: string;
  providerId: number;
  providerCode: string;
  expiresAt: number;
  /** Wrong tokens presented for it so far. */
  failures: number;
  /** Used up: kept until it expires only so a call waiting on it (`used`) learns so even if it asks late. */
  used: boolean;
}

export interface TicketBookOptions {
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
}

/** Why a ticket cannot be used: gone (never existed, used, burnt or expired — the page answers 410 for all). */
export type TicketLookup = { ok: true; ticket: Ticket } | { ok: false };

export interface TicketBook {
  /** A new ticket for this need, bound to `identity`; returns the ticket (≥128 bits of randomness, URL-safe). */
  mint(need: CredentialNeed, identity: ClientIdentity): string;
  /** The pending ticket, if it is still usable. */
  find(ticket: string): TicketLookup;
  /** Uses the ticket up (after a successful store or a redirect): it cannot be used again. */
  use(ticket: string): void;
  /** Counts a wrong token; the ticket is burnt after `maxFailures` of them. */
  fail(ticket: string): void;
  /** Forgets the ticket (its identity is gone). */
  drop(ticket: string): void;
  /**
   * Resolves when the ticket is used (true), or when it expires, is dropped or `signal` aborts (false):
   * a 2025-11-25 call that sent the user to the page waits on it before running again.
   */
  used(ticket: string, signal?: AbortSignal): Promise<boolean>;
  /** Tickets still usable now (tests, logs). */
  size(): number;
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
  /** By ticket hash, in minting order (a Map keeps insertion order: the first entry is the oldest). */
  const tickets = new Map<string, Ticket>();
  /** Waiters per ticket hash: told true when it is used, false when it goes any other way. */
  const waiters = new Map<string, Set<(used: boolean) => void>>();

  function settle(key: string, used: boolean): void {
    const waiting = waiters.get(key);
    waiters.delete(key);
    for (const resolve of waiting ?? []) resolve(used);
  }

  function remove(key: string, used: boolean): void {
    if (tickets.delete(key)) settle(key, used);
  }

  /** Marks it used (no longer usable, still known until it expires) and tells those waiting on it. */
  function useUp(key: string, ticket: Ticket): void {
    ticket.used = true;
    settle(key, true);
  }

  function prune(): void {
    const t = now();
    for (const [key, ticket] of tickets) if (ticket.expiresAt <= t) remove(key, false);
  }

  /** The ticket's record while it has not expired, used or not. */
  function known(ticket: string): [string, Ticket] | null {
    if (!TICKET_SYNTAX.test(ticket)) return null;
    const key = keyOf(ticket);
    const found = tickets.get(key);
    if (!found) return null;
    if (found.expiresAt <= now()) {
      remove(key, false);
      return null;
    }
    return [key, found];
  }

  /** The ticket's record while it can still be used. */
  function live(ticket: string): [string, Ticket] | null {
    const found = known(ticket);
    return found && !found[1].used ? found : null;
  }

  return {
    mint(need, identity) {
      prune();
      const mine = [...tickets].filter(([, t]) => t.clientName === identity.name);
      for (const [key] of mine.slice(0, Math.max(0, mine.length - maxPerClient + 1))) remove(key, false);
      while (tickets.size >= maxPending) remove(tickets.keys().next().value as string, false);
      const ticket = randomBytes(TICKET_BYTES).toString('base64url');
      tickets.set(keyOf(ticket), {
        clientName: identity.name,
        clientCreatedAt: identity.createdAt,
        providerId: need.providerId,
        providerCode: need.providerCode,
        expiresAt: now() + ttlMs,
        failures: 0,
        used: false,
      });
      return ticket;
    },
    find(ticket) {
      const found = live(ticket);
      return found ? { ok: true, ticket: found[1] } : { ok: false };
    },
    use(ticket) {
      const found = live(ticket);
      if (found) useUp(found[0], found[1]);
    },
    fail(ticket) {
      const found = live(ticket);
      if (found && ++found[1].failures >= maxFailures) remove(found[0], false);
    },
    drop(ticket) {
      const found = live(ticket);
      if (found) remove(found[0], false);
    },
    used(ticket, signal) {
      const found = known(ticket);
      if (found?.[1].used) return Promise.resolve(true);
      if (!found || signal?.aborted) return Promise.resolve(false);
      const [key, record] = found;
      return new Promise<boolean>((resolve) => {
        let set = waiters.get(key);
        if (!set) waiters.set(key, (set = new Set()));
        const done = (used: boolean) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          set!.delete(done);
          resolve(used);
        };
        const onAbort = () => done(false);
        // The clock may be a test's; the wait is bounded by the ticket's own lifetime either way.
        const timer = setTimeout(() => done(false), Math.max(0, record.expiresAt - now()));
        timer.unref();
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(done);
      });
    },
    size() {
      prune();
      return [...tickets.values()].filter((t) => !t.used).length;
    },
  };
}
