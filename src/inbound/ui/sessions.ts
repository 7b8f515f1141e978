import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionRow, SessionRows } from '../../core/shared-state.js';

/** One signed-in browser (SPEC §16): who it is, the token it signed in with, its CSRF token and when it ends. */
export interface UiSession {
  id: string;
  /** The identity name (`owner`, or an `--admin` client's). */
  who: string;
  /** The token it signed in with (sealed in the database): every request is re-checked with it (a rotated or demoted client is out at once). */
  token: string;
  csrf: string;
  expiresAt: number;
}

export interface SessionBook {
  open(who: string, token: string): Promise<UiSession>;
  /** The live session with this id, or null (unknown or expired). */
  find(id: string): Promise<UiSession | null>;
  close(id: string): Promise<void>;
}

export interface SessionBookOptions {
  /** Where sessions are kept (the catalog's shared state); absent: this process's memory. */
  rows?: SessionRows;
  /** How long a session lives after sign-in (8 hours by default). */
  ttlMs?: number;
  now?: () => number;
  /** The most sessions kept; the oldest goes first (1,000 by default). */
  max?: number;
}

const secret = () => randomBytes(32).toString('base64url');

/**
 * Sessions in the database (issue 16): a browser signed in on one instance is signed in on all of them.
 * Only the SHA-256 of the id (the cookie) is stored; the token and the CSRF token are sealed.
 */
export function createSessionBook(options: SessionBookOptions = {}): SessionBook {
  const ttlMs = options.ttlMs ?? 8 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const max = options.max ?? 1000;
  const rows = options.rows ?? memorySessionRows();
  return {
    async open(who, token) {
      const session = { id: secret(), who, token, csrf: secret(), expiresAt: now() + ttlMs };
      await rows.open(session.id, session, max, now());
      return session;
    },
    async find(id) {
      const row = await rows.find(id, now());
      return row ? { id, ...row } : null;
    },
    close: (id) => rows.close(id),
  };
}

/** Sessions in this process's memory: for a book without a database. */
function memorySessionRows(): SessionRows {
  const sessions = new Map<string, SessionRow>();
  return {
    async open(id, row, limit, at) {
      for (const [key, s] of sessions) if (s.expiresAt <= at) sessions.delete(key);
      while (sessions.size >= limit) sessions.delete(sessions.keys().next().value as string);
      sessions.set(id, { ...row });
    },
    async find(id, at) {
      const row = sessions.get(id);
      return row && row.expiresAt > at ? row : undefined;
    },
    async close(id) {
      sessions.delete(id);
    },
  };
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(session: UiSession, presented: string | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
