/**
 * One error base with string codes. Messages are one paragraph meant for the user: they name the
 * field or the step that failed and the fix, and never carry a secret or a stack trace.
 */
export type ErrorCode =
  | 'INVALID_INPUT' // bad JSON, bad field values (CLI, admin, import)
  | 'NOT_FOUND'
  | 'CONFLICT' // duplicate code
  | 'FORBIDDEN'
  | 'CONFIG' // bad environment/flags, wrong master key
  | 'STORAGE' // the database cannot take a write now (locked, full, read-only, deleted)
  | 'UPSTREAM_STATUS' // the API answered non-2xx
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_NETWORK'
  | 'UPSTREAM_TOO_LARGE'
  | 'AUTH_FETCH' // dynamic-auth token could not be obtained
  | 'INVALID_ARGUMENTS' // tool-call arguments failed validation
  | 'INTERNAL';

/** A problem with one field of some input, for messages that list every offending field. */
export interface FieldIssue {
  field: string;
  message: string;
}

export class ToolwireError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[];
  constructor(code: ErrorCode, message: string, issues: FieldIssue[] = []) {
    super(message);
    this.name = 'ToolwireError';
    this.code = code;
    this.issues = issues;
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
