/**
 * The answer budget's numbers (SPEC §14), shared by the configuration, the catalog's checks and the call
 * path: a token is estimated at 4 bytes of the answer's text.
 */
export const BYTES_PER_TOKEN = 4;
export const DEFAULT_MAX_RESULT_TOKENS = 20_000;
/** Smaller budgets would leave no room for the note that says what was left out. */
export const MIN_RESULT_TOKENS = 100;
/** 40 MB of text: far above any context; an admin who wants no cut sets `TOOLWIRE_MAX_RESULT_TOKENS=0`. */
export const MAX_RESULT_TOKENS = 10_000_000;

/** The tool's budget, else its provider's, else the server's; 0 from the server means none (Infinity). */
export function budgetBytes(tool: number | null, provider: number | null, server: number): number {
  const tokens = tool ?? provider ?? server;
  return tokens <= 0 ? Number.POSITIVE_INFINITY : tokens * BYTES_PER_TOKEN;
}
