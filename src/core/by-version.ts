/**
 * A value rebuilt only when `version()` moves: the in-memory indexes the call path reads (client
 * tokens, per-user credentials) are read from the database once per registry version, never per call.
 */
export function byVersion<T>(version: () => number, build: () => T): () => T {
  let seen: number | null = null;
  let value: T;
  return () => {
    const now = version();
    if (now !== seen) {
      value = build();
      seen = now;
    }
    return value;
  };
}
