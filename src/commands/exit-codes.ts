import type { ErrorCode } from '../core/errors.js';

/**
 * The CLI's answer per code: the exit status, and whether to point at `toolwire --help` (a command
 * line that cannot be run). Every failure is one paragraph on stderr; 2 is a usage mistake, 1 anything else.
 */
export const CLI_ERRORS: Record<ErrorCode, { exit: 1 | 2; usageHint: boolean }> = {
  USAGE: { exit: 2, usageHint: true },
  INVALID_INPUT: { exit: 1, usageHint: false },
  INVALID_JSON: { exit: 1, usageHint: false },
  INVALID_ARGUMENTS: { exit: 1, usageHint: false },
  NOT_FOUND: { exit: 1, usageHint: false },
  CONFLICT: { exit: 1, usageHint: false },
  FORBIDDEN: { exit: 1, usageHint: false },
  UNAUTHORIZED: { exit: 1, usageHint: false },
  METHOD_NOT_ALLOWED: { exit: 1, usageHint: false },
  PAYLOAD_TOO_LARGE: { exit: 1, usageHint: false },
  CONFIG: { exit: 1, usageHint: false },
  WRONG_KEY: { exit: 1, usageHint: false },
  STORAGE: { exit: 1, usageHint: false },
  UPSTREAM_STATUS: { exit: 1, usageHint: false },
  UPSTREAM_TIMEOUT: { exit: 1, usageHint: false },
  UPSTREAM_NETWORK: { exit: 1, usageHint: false },
  UPSTREAM_TOO_LARGE: { exit: 1, usageHint: false },
  UPSTREAM_DOWN: { exit: 1, usageHint: false },
  CANCELLED: { exit: 1, usageHint: false },
  BLOCKED_ADDRESS: { exit: 1, usageHint: false },
  AUTH_FETCH: { exit: 1, usageHint: false },
  INTERNAL: { exit: 1, usageHint: false },
};

/** What the CLI prints for one of our errors, and the exit status. */
export function cliFailure(code: ErrorCode, message: string): { text: string; exit: 1 | 2 } {
  const { exit, usageHint } = CLI_ERRORS[code];
  return { text: usageHint ? `toolwire: ${message} Run \`toolwire --help\` for usage.\n` : `toolwire: ${message}\n`, exit };
}
