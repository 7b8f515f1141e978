import { ToolwireError } from '../core/errors.js';

const SQLITE_PROBLEMS: Record<string, string> = {
  SQLITE_BUSY: 'another process held its write lock for more than 5 seconds; try again',
  SQLITE_LOCKED: 'another process held its write lock for more than 5 seconds; try again',
  SQLITE_FULL: 'the disk is full; free some space and try again',
  SQLITE_READONLY: 'the database file or its folder is read-only; make them writable by this user',
  SQLITE_IOERR: 'the disk reported an input/output error; check the disk and the file',
  SQLITE_CORRUPT: 'the database file is damaged; restore it from a backup',
  SQLITE_CANTOPEN: 'the database file could not be opened; check that it and its folder exist and are writable',
};

/**
 * A SQLite failure as a STORAGE error a user can act on (what happened, that nothing was written, the
 * fix); null for anything that is not one of the SQLite failures a user can act on. Every write is one transaction, so nothing was.
 */
export function storageError(err: unknown, path: string): ToolwireError | null {
  if (!(err instanceof Error) || err.name !== 'SqliteError') return null;
  const code = String((err as { code?: unknown }).code ?? '');
  const base = Object.keys(SQLITE_PROBLEMS).find((k) => code === k || code.startsWith(`${k}_`));
  // Anything else (a schema error, a bug) stays an internal error: its text is for the log, not the client.
  if (!base) return null;
  return new ToolwireError('STORAGE', `The database ${path} could not take the change (${code}): ${SQLITE_PROBLEMS[base]}. Nothing was written.`, {
    cause: err,
  });
}
