import type { z } from 'zod';
import { ToolwireError, type FieldIssue } from '../core/errors.js';

/** zod issues as field issues, with paths written the way users write them (`tools[0].httpMethod`). */
export function zodIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({ field: formatPath(prefix, issue.path), message: issue.message }));
}

export function formatPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(body)';
}

/** One paragraph naming each offending field, for CLI output and error bodies. */
export function invalid(subject: string, issues: FieldIssue[]): ToolwireError {
  const list = issues.map((i) => `${i.field} ${i.message}`).join('; ');
  return new ToolwireError('INVALID_INPUT', `${subject} is invalid: ${list}.`, { issues, subject });
}

/** Parses with a zod schema or throws one INVALID_INPUT error listing every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, subject: string, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(subject, zodIssues(result.error, prefix));
  return result.data;
}
