/**
 * The short-lived state a request may need on any instance (issue 16, docs/design/postgresql.md §3, "Where
 * the in-memory state goes"): connect tickets, pending OAuth 2 sign-ins, web admin sessions and the rest of
 * answers cut to fit the budget. The store keeps them in the database (secrets sealed, tickets and session ids
 * only as SHA-256 hashes); the inbound and outbound pieces get these narrow views, so they import no store.
 * Times are epoch milliseconds, given by the caller (its clock may be a test's).
 */

/** A connect ticket's row (by the SHA-256 of the ticket, never the ticket). */
export interface TicketRow {
  clientName: string;
  clientCreatedAt: string;
  providerId: number;
  providerCode: string;
  expiresAt: number;
  failures: number;
  used: boolean;
}

export interface TicketRows {
  /** Adds a ticket; first prunes the expired ones and the oldest unused beyond the caps (per client, in all). */
  add(hash: string, row: Omit<TicketRow, 'failures' | 'used'>, caps: { perClient: number; total: number; now: number }): Promise<void>;
  /** The ticket while it has not expired, used or not. */
  get(hash: string, now: number): Promise<TicketRow | undefined>;
  /** Single use: true only for the one caller that marked it used (`UPDATE … WHERE used_at IS NULL`). */
  use(hash: string, now: number): Promise<boolean>;
  /** Counts a wrong token; the ticket is deleted once `max` is reached. Returns true when it was deleted. */
  fail(hash: string, max: number, now: number): Promise<boolean>;
  /** Forgets an unused ticket. */
  drop(hash: string): Promise<void>;
  /** Unused tickets not expired. */
  count(now: number): Promise<number>;
}

/** A sign-in started and not yet finished; the PKCE verifier is sealed at rest. */
export interface PendingSignIn {
  codeVerifier: string;
  clientName: string;
  providerId: number;
  redirectUri: string;
  expiresAt: number;
}

export interface PendingSignIns {
  /** Keeps it under the SHA-256 of `state`; prunes the expired ones and the oldest beyond `max`. */
  put(state: string, grant: PendingSignIn, max: number, now: number): Promise<void>;
  /** Takes it (`DELETE … RETURNING`): single use across instances, whatever happens next. */
  take(state: string): Promise<PendingSignIn | undefined>;
}

/** A web admin session; the id is the cookie and only its SHA-256 is stored; token and CSRF token are sealed. */
export interface SessionRow {
  who: string;
  token: string;
  csrf: string;
  expiresAt: number;
}

export interface SessionRows {
  /** Adds it; prunes the expired ones and the oldest beyond `max`. */
  open(id: string, row: SessionRow, max: number, now: number): Promise<void>;
  /** The session while it has not expired. */
  find(id: string, now: number): Promise<SessionRow | undefined>;
  close(id: string): Promise<void>;
}

/** An answer's rest as the table keeps it: the body is the answer (an API's data), sealed. */
export interface KeptRow {
  owner: string;
  expiresAt: number;
  next: number;
  bytes: number;
  body: string;
}

export interface KeptRows {
  /** Writes it; prunes the expired rows, and the owner's oldest beyond `capBytes`. */
  put(handle: string, row: KeptRow, capBytes: number, now: number): Promise<void>;
  /** The answer for `owner` while it has not expired. */
  get(handle: string, owner: string, now: number): Promise<KeptRow | undefined>;
  /** Where the next part starts (read_more without an offset, on any instance). */
  moveNext(handle: string, next: number): Promise<void>;
}

export interface SharedState {
  tickets: TicketRows;
  signIns: PendingSignIns;
  sessions: SessionRows;
  kept: KeptRows;
}
