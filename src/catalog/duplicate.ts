import { ToolwireError } from '../core/errors.js';

/** A code already taken: a CONFLICT naming it. */
export function duplicate(what: 'provider' | 'tool', code: string): ToolwireError {
  return new ToolwireError('CONFLICT', `A ${what} with code "${code}" already exists. Choose another code, or update the existing ${what}.`, [
    { field: 'code', message: `"${code}" is already taken` },
  ]);
}
