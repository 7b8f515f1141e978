/**
 * What a database error means, for both drivers (better-sqlite3 and pg), so the layers above map a failure
 * to DUPLICATE or STORAGE without knowing the dialect. Read from the error's code, never its message, except
 * for pg's own client-side failures, which carry no code.
 */

const SQLITE_UNIQUE = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
/** PostgreSQL's unique_violation (SQLSTATE class 23, integrity constraint violation). */
const PG_UNIQUE = '23505';

/** Network failures of the socket to the server (Node's errno codes). */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/**
 * PostgreSQL SQLSTATEs that say the server is going or not there yet: admin_shutdown (a stop), crash_shutdown,
 * cannot_connect_now (starting up or shutting down), too_many_connections; and class 08, connection exception.
 */
const PG_DOWN = new Set(['57P01', '57P02', '57P03', '53300']);
/** pg's and pg-pool's own errors for a connection that broke or never came (they have no code). */
const PG_CLIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];
/** SQLite's equivalent: the file cannot be opened (its folder went away, a mount is gone). */
const SQLITE_UNREACHABLE = 'SQLITE_CANTOPEN';

function codeOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

/** A unique or primary-key constraint refused the write (SQLite or PostgreSQL): the caller's DUPLICATE. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === PG_UNIQUE || SQLITE_UNIQUE.has(code);
}

/**
 * The database could not be reached: refused, reset, timed out, shutting down, or (SQLite) the file cannot be
 * opened. The store's STORAGE error; the same pool answers again once the server is back.
 */
export function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = codeOf(e);
    if (NETWORK.has(code) || PG_DOWN.has(code) || code.startsWith('08') || code === SQLITE_UNREACHABLE || code.startsWith(`${SQLITE_UNREACHABLE}_`)) {
      return true;
    }
    if (e instanceof AggregateError && e.errors.some((inner) => isUnreachable(inner))) return true;
    if (code === '' && e instanceof Error && PG_CLIENT_MESSAGES.some((m) => e.message.startsWith(m))) return true;
  }
  return false;
}
