import { ToolwireError } from './errors.js';

/**
 * Where toolwire keeps its data (SPEC §13): a SQLite file (the embedded default) or a PostgreSQL URL.
 * `display` is what messages and logs may show: the URL with its password masked.
 */
export type DatabaseTarget = { dialect: 'sqlite'; path: string; display: string } | { dialect: 'postgres'; url: string; display: string };

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * `postgres://` or `postgresql://` → PostgreSQL; any other `scheme://` is refused (it must never become a
 * folder called `mysql:` in the working directory); anything else is a SQLite file path.
 * `source` names where the value came from, for the message.
 */
export function parseDatabaseTarget(raw: string, source: string): DatabaseTarget {
  const scheme = URL_SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return { dialect: 'sqlite', path: raw, display: raw };
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new ToolwireError(
      'CONFIG',
      `${source} "${maskUrl(raw)}" uses the scheme "${scheme}://", which toolwire does not store in. Give a SQLite file path (like ./toolwire.db) or a PostgreSQL URL (postgres://user:password@host:5432/database).`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolwireError(
      'CONFIG',
      `${source} "${maskUrl(raw)}" is not a valid PostgreSQL URL. Write it as postgres://user:password@host:5432/database (percent-encode special characters in the password).`,
    );
  }
  if (!url.hostname || url.pathname.length <= 1) {
    throw new ToolwireError('CONFIG', `${source} "${maskUrl(raw)}" must name a host and a database, like postgres://user:password@host:5432/database.`);
  }
  return { dialect: 'postgres', url: raw, display: maskUrl(raw) };
}

/** The URL with any password replaced by `***` (user, host, port and database kept: they help, and are not secret). */
export function maskUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@');
}
