import { randomBytes, timingSafeEqual } from 'node:crypto';

/** One signed-in browser (SPEC §16): who it is, the token it signed in with, its CSRF token and when it ends. */
export interface UiSession {
  id: string;
  /** The identity name (`owner`, or an `--admin` client's). */
  who: string;
  /** The token it signed in with, kept in memory only: every request is re-checked with it (a rotated or demoted client is out at once). */
  token: string;
  csrf: string;
  expiresAt: number;
}

export interface SessionBook {
  open(who: string, token: string): UiSession;
  /** The live session with this id, or null (unknown or expired; an expired one is dropped). */
  find(id: string): UiSession | null;
  close(id: string): void;
}

export interface SessionBookOptions {
  /** How long a session lives after sign-in (8 hours by default). */
  ttlMs?: number;
  now?: () => number;
  /** The most sessions kept; the oldest goes first (1,000 by default). */
  max?: number;
}

const secret = () => randomBytes(32).toString('base64url');

/** Sessions in memory: a restart signs everyone out, and nothing about them ever reaches the database. */
export function createSessionBook(options: SessionBookOptions = {}): SessionBook {
  const ttlMs = options.ttlMs ?? 8 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const max = options.max ?? 1000;
  const sessions = new Map<string, UiSession>();
  return {
    open(who, token) {
      for (const [id, s] of sessions) if (s.expiresAt <= now()) sessions.delete(id);
      while (sessions.size >= max) sessions.delete(sessions.keys().next().value as string);
      const session = { id: secret(), who, token, csrf: secret(), expiresAt: now() + ttlMs };
      sessions.set(session.id, session);
      return session;
    },
    find(id) {
      const session = sessions.get(id);
      if (!session) return null;
      if (session.expiresAt <= now()) {
        sessions.delete(id);
        return null;
      }
      return session;
    },
    close(id) {
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
