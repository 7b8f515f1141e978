import { ToolwireError } from '../core/errors.js';
import { isUniqueViolation, isUnreachable } from './sql-errors.js';

/**
 * A database failure as an error a user can act on (what happened, that nothing was written, the fix),
 * for both dialects; null for anything else (a schema error, a bug: its text is for the log, not the
 * client). `display` names the database: the SQLite file, or the PostgreSQL URL with its password masked.
 * Every write is one transaction, so a failed one wrote nothing.
 */

const SQLITE_PROBLEMS: Record<string, string> = {
  SQLITE_BUSY: 'another process held its write lock for more than 5 seconds; try again',
  SQLITE_LOCKED: 'another process held its write lock for more than 5 seconds; try again',
  SQLITE_FULL: 'the disk is full; free some space and try again',
  SQLITE_READONLY: 'the database file or its folder is read-only; make them writable by this user',
  SQLITE_IOERR: 'the disk reported an input/output error; check the disk and the file',
  SQLITE_CORRUPT: 'the database file is damaged; restore it from a backup',
  SQLITE_CANTOPEN: 'the database file could not be opened; check that it and its folder exist and are writable',
};

/** PostgreSQL SQLSTATEs a user can act on (the server's own words stay in the log). */
const PG_PROBLEMS: Record<string, string> = {
  '53100': "the PostgreSQL server's disk is full; free some space on it and try again",
  '53200': 'the PostgreSQL server ran out of memory; try again, or give it more memory',
  '25006': 'the PostgreSQL server accepts only reads (a standby, or default_transaction_read_only); point the URL at the primary',
  '40001': 'another writer changed the same rows at the same moment; try again',
  '40P01': 'another writer changed the same rows at the same moment; try again',
  '55P03': 'another writer held a lock for too long; try again',
  '57014': 'the statement ran longer than the server allows (statement_timeout); try again, or raise that limit',
  '28P01': 'the server refused the user name or password in the URL; fix them',
  '28000': 'the server refused this user (pg_hba.conf); allow it, or use another user',
  '3D000': 'the database named in the URL does not exist; create it (CREATE DATABASE) or fix the URL',
  '42501': 'the user in the URL lacks a privilege toolwire needs; grant it (toolwire needs to create and change its tables)',
};

const codeOf = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? '');

export function storeError(err: unknown, display: string): ToolwireError | null {
  if (!(err instanceof Error) || err instanceof ToolwireError) return null;
  if (isUniqueViolation(err)) {
    return new ToolwireError(
      'CONFLICT',
      'The change conflicts with one saved at the same moment: a value that must be unique (a code or a name) is already taken. Nothing was written; read the current state and try again.',
      { cause: err },
    );
  }
  const code = codeOf(err);
  if (err.name === 'SqliteError') {
    const base = Object.keys(SQLITE_PROBLEMS).find((k) => code === k || code.startsWith(`${k}_`));
    if (!base) return null;
    return new ToolwireError('STORAGE', `The database ${display} could not take the change (${code}): ${SQLITE_PROBLEMS[base]}. Nothing was written.`, {
      cause: err,
    });
  }
  if (isUnreachable(err)) {
    return new ToolwireError(
      'STORAGE',
      `The database ${display} cannot be reached (${code || err.message}): check that the PostgreSQL server is running and reachable at that address, and that TOOLWIRE_DB names it. Nothing was written; toolwire reconnects by itself once the server answers.`,
      { cause: err },
    );
  }
  const problem = PG_PROBLEMS[code];
  if (problem === undefined) return null;
  return new ToolwireError('STORAGE', `The database ${display} could not take the change (${code}): ${problem}. Nothing was written.`, { cause: err });
}
