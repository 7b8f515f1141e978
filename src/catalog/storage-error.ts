import type { ToolwireError } from '../core/errors.js';
import { storeError } from '../store/store-error.js';

/**
 * A database failure (SQLite or PostgreSQL) as a STORAGE or CONFLICT error a user can act on (what
 * happened, that nothing was written, the fix); null for anything else. `path` is the database as
 * messages may name it (a file, or a URL with its password masked). The store already maps what its
 * transactions throw; this catches what a read outside one threw.
 */
export function storageError(err: unknown, path: string): ToolwireError | null {
  return storeError(err, path);
}
