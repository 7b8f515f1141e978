/**
 * The one error base. A failure is a value with a code; each API (admin, OpenHands, Qoder's vaults,
 * MCP, the CLI) turns the code into its own reply through one table in its own folder, so nobody
 * reads a message back. Messages are one paragraph meant for the user: they name the field or the
 * step that failed and the fix, and never carry a secret or a stack trace.
 */
export type ErrorCode =
  | 'INVALID_INPUT' // bad field values (CLI, admin, import)
  | 'INVALID_JSON' // a request body that does not parse (its `cause` is the parser's error)
  | 'NOT_FOUND' // no such record or route
  | 'CONFLICT' // duplicate code
  | 'FORBIDDEN' // a write the rules refuse (the stdio lock)
  | 'UNAUTHORIZED' // no or a wrong bearer token
  | 'METHOD_NOT_ALLOWED' // the route exists, not with this method (`headers.allow` says which)
  | 'PAYLOAD_TOO_LARGE' // a request body over the limit
  | 'USAGE' // a CLI command line that cannot be run
  | 'CONFIG' // bad environment/flags, a key rotation that cannot be done
  | 'WRONG_KEY' // the master key does not open the database
  | 'STORAGE' // the database cannot take a write now (locked, full, read-only, deleted)
  | 'UPSTREAM_STATUS' // the API answered non-2xx
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_NETWORK'
  | 'UPSTREAM_TOO_LARGE'
  | 'UPSTREAM_DOWN' // an upstream MCP server is not connected
  | 'CANCELLED' // the client cancelled the call (or went away) and the upstream request was aborted
  | 'BLOCKED_ADDRESS' // TOOLWIRE_BLOCK_PRIVATE refused the address
  | 'AUTH_FETCH' // dynamic-auth token could not be obtained
  | 'INVALID_ARGUMENTS' // tool-call arguments failed validation
  | 'INTERNAL';

/** A problem with one field of some input, for messages that list every offending field. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** What an error may carry besides its code and message, for the APIs that answer with more than a message. */
export interface ErrorDetails {
  issues?: FieldIssue[];
  /** The error this one wraps (kept for logs and debugging; never shown to a client). */
  cause?: unknown;
  /** HTTP headers the reply needs (Allow on a 405, WWW-Authenticate on a 401). */
  headers?: Record<string, string>;
  /** The one field a client should look at (Qoder's `param`). */
  param?: string;
  /** What the message is about, when it opens with it ("The tool batch is invalid: …"), so a caller can tell whether to say it again. */
  subject?: string;
}

export class ToolwireError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[];
  readonly headers: Record<string, string>;
  readonly param: string | null;
  readonly subject: string | null;
  /** `details` may be the issues alone, the common case. */
  constructor(code: ErrorCode, message: string, details: FieldIssue[] | ErrorDetails = []) {
    const { issues = [], cause, headers = {}, param, subject } = Array.isArray(details) ? { issues: details } : details;
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ToolwireError';
    this.code = code;
    this.issues = issues;
    this.headers = headers;
    this.param = param ?? null;
    this.subject = subject ?? null;
  }
}

export function isToolwireError(err: unknown): err is ToolwireError {
  return err instanceof ToolwireError;
}

/** A message safe to show a user for any thrown value: ours verbatim, anything else without a stack. */
export function describeError(err: unknown): string {
  if (err instanceof ToolwireError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
