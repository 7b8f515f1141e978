import { createHash } from 'node:crypto';
import type { KeptRow, PendingSignIn, SessionRow, SharedState, TicketRow } from '../core/shared-state.js';
import type { OpenDatabase } from './db.js';
import { opening } from './secret-box.js';

/**
 * The state one process used to keep in memory, in the database so any instance can answer (migration 14,
 * docs/design/postgresql.md §3): connect tickets and session ids only as SHA-256 hashes, the PKCE verifier,
 * a session's token and CSRF token and a kept answer's body sealed with the master key. Single use is one
 * statement (`UPDATE … WHERE used_at IS NULL`, `DELETE … RETURNING`), so it holds across instances. Expired
 * rows are pruned by the next write of the same kind. Times are epoch milliseconds (bigint on PostgreSQL,
 * which `pg` returns as text: hence the Number()s).
 */
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
/** "All rows after the first n" in SQL both dialects accept (SQLite's LIMIT -1 is not PostgreSQL's). */
const ALL = 1_000_000_000;

interface TicketDbRow {
  client_name: string;
  client_created_at: string;
  provider_id: number | string;
  provider_code: string;
  expires_at: number | string;
  failures: number | string;
  used_at: number | string | null;
}

const ticketOf = (row: TicketDbRow): TicketRow => ({
  clientName: row.client_name,
  clientCreatedAt: row.client_created_at,
  providerId: Number(row.provider_id),
  providerCode: row.provider_code,
  expiresAt: Number(row.expires_at),
  failures: Number(row.failures),
  used: row.used_at !== null,
});

export function createSharedState(database: OpenDatabase): SharedState {
  const db = database.driver;
  const box = database.box;
  const seal = async (plain: string) => {
    await box.beforeSeal();
    return box.encrypt(plain);
  };
  /** A sealed value no key opens (a key finished since) is as good as gone: the row reads as absent. */
  const open = async <T>(fn: () => T): Promise<T | undefined> => {
    try {
      return await opening(box, fn);
    } catch {
      return undefined;
    }
  };

  return {
    tickets: {
      async add(hash, row, caps) {
        await db.transaction(async (tx) => {
          await tx.run('DELETE FROM connect_tickets WHERE expires_at <= ?', [caps.now]);
          await tx.run(
            `DELETE FROM connect_tickets WHERE id IN (SELECT id FROM connect_tickets WHERE client_name = ? AND used_at IS NULL ORDER BY id DESC LIMIT ${ALL} OFFSET ?)`,
            [row.clientName, Math.max(0, caps.perClient - 1)],
          );
          await tx.run(
            `DELETE FROM connect_tickets WHERE id IN (SELECT id FROM connect_tickets WHERE used_at IS NULL ORDER BY id DESC LIMIT ${ALL} OFFSET ?)`,
            [Math.max(0, caps.total - 1)],
          );
          await tx.run(
            `INSERT INTO connect_tickets (hash, client_name, client_created_at, provider_id, provider_code, expires_at, failures, used_at)
             VALUES (?, ?, ?, ?, ?, ?, 0, NULL)`,
            [hash, row.clientName, row.clientCreatedAt, row.providerId, row.providerCode, row.expiresAt],
          );
        });
      },
      async get(hash, now) {
        const row = await db.get<TicketDbRow>(
          'SELECT client_name, client_created_at, provider_id, provider_code, expires_at, failures, used_at FROM connect_tickets WHERE hash = ? AND expires_at > ?',
          [hash, now],
        );
        return row ? ticketOf(row) : undefined;
      },
      async use(hash, now) {
        const done = await db.run('UPDATE connect_tickets SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?', [now, hash, now]);
        return done.changes === 1;
      },
      async fail(hash, max, now) {
        const row = await db.get<{ failures: number | string }>(
          'UPDATE connect_tickets SET failures = failures + 1 WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING failures',
          [hash, now],
        );
        if (!row || Number(row.failures) < max) return false;
        await db.run('DELETE FROM connect_tickets WHERE hash = ? AND used_at IS NULL', [hash]);
        return true;
      },
      async drop(hash) {
        await db.run('DELETE FROM connect_tickets WHERE hash = ? AND used_at IS NULL', [hash]);
      },
      async count(now) {
        const row = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM connect_tickets WHERE used_at IS NULL AND expires_at > ?', [now]);
        return Number(row?.n ?? 0);
      },
    },

    signIns: {
      async put(state, grant, max, now) {
        const sealed = await seal(grant.codeVerifier);
        await db.transaction(async (tx) => {
          await tx.run('DELETE FROM oauth_pending WHERE expires_at <= ?', [now]);
          await tx.run(
            `DELETE FROM oauth_pending WHERE state_hash IN (SELECT state_hash FROM oauth_pending ORDER BY created_at DESC, state_hash LIMIT ${ALL} OFFSET ?)`,
            [Math.max(0, max - 1)],
          );
          await tx.run(
            'INSERT INTO oauth_pending (state_hash, client_name, provider_id, redirect_uri, verifier_enc, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [sha256(state), grant.clientName, grant.providerId, grant.redirectUri, sealed, now, grant.expiresAt],
          );
        });
      },
      async take(state) {
        const row = await db.get<{
          client_name: string;
          provider_id: number | string;
          redirect_uri: string;
          verifier_enc: string;
          expires_at: number | string;
        }>('DELETE FROM oauth_pending WHERE state_hash = ? RETURNING client_name, provider_id, redirect_uri, verifier_enc, expires_at', [sha256(state)]);
        if (!row) return undefined;
        const codeVerifier = await open(() => box.decrypt(row.verifier_enc));
        if (codeVerifier === undefined) return undefined;
        const grant: PendingSignIn = {
          codeVerifier,
          clientName: row.client_name,
          providerId: Number(row.provider_id),
          redirectUri: row.redirect_uri,
          expiresAt: Number(row.expires_at),
        };
        return grant;
      },
    },

    sessions: {
      async open(id, row, max, now) {
        const token = await seal(row.token);
        const csrf = box.encrypt(row.csrf);
        await db.transaction(async (tx) => {
          await tx.run('DELETE FROM ui_sessions WHERE expires_at <= ?', [now]);
          await tx.run(`DELETE FROM ui_sessions WHERE hash IN (SELECT hash FROM ui_sessions ORDER BY created_at DESC, hash LIMIT ${ALL} OFFSET ?)`, [
            Math.max(0, max - 1),
          ]);
          await tx.run('INSERT INTO ui_sessions (hash, who, token_enc, csrf_enc, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
            sha256(id),
            row.who,
            token,
            csrf,
            now,
            row.expiresAt,
          ]);
        });
      },
      async find(id, now) {
        const row = await db.get<{ who: string; token_enc: string; csrf_enc: string; expires_at: number | string }>(
          'SELECT who, token_enc, csrf_enc, expires_at FROM ui_sessions WHERE hash = ? AND expires_at > ?',
          [sha256(id), now],
        );
        if (!row) return undefined;
        return open(
          (): SessionRow => ({ who: row.who, token: box.decrypt(row.token_enc), csrf: box.decrypt(row.csrf_enc), expiresAt: Number(row.expires_at) }),
        );
      },
      async close(id) {
        await db.run('DELETE FROM ui_sessions WHERE hash = ?', [sha256(id)]);
      },
    },

    kept: {
      async put(handle, row, capBytes, now) {
        const body = await seal(row.body);
        await db.transaction(async (tx) => {
          await tx.run('DELETE FROM kept_answers WHERE expires_at <= ?', [now]);
          await tx.run('INSERT INTO kept_answers (handle, owner, expires_at, next, bytes, body_enc) VALUES (?, ?, ?, ?, ?, ?)', [
            handle,
            row.owner,
            row.expiresAt,
            row.next,
            row.bytes,
            body,
          ]);
          // The owner's newest answers up to the cap stay; older ones go (one agent cannot fill the table).
          await tx.run(
            `DELETE FROM kept_answers WHERE handle IN (SELECT handle FROM (SELECT handle, SUM(bytes) OVER (ORDER BY expires_at DESC, handle) AS running
               FROM kept_answers WHERE owner = ?) newest WHERE running > ?)`,
            [row.owner, capBytes],
          );
        });
      },
      async get(handle, owner, now) {
        const row = await db.get<{ owner: string; expires_at: number | string; next: number | string; bytes: number | string; body_enc: string }>(
          'SELECT owner, expires_at, next, bytes, body_enc FROM kept_answers WHERE handle = ? AND owner = ? AND expires_at > ?',
          [handle, owner, now],
        );
        if (!row) return undefined;
        return open(
          (): KeptRow => ({
            owner: row.owner,
            expiresAt: Number(row.expires_at),
            next: Number(row.next),
            bytes: Number(row.bytes),
            body: box.decrypt(row.body_enc),
          }),
        );
      },
      async moveNext(handle, next) {
        await db.run('UPDATE kept_answers SET next = ? WHERE handle = ?', [next, handle]);
      },
    },
  };
}
