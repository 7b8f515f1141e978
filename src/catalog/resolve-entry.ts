import { ToolwireError } from '../core/errors.js';
import type { Provider } from '../core/model.js';
import { parseOrThrow } from './issues.js';
import { resolveProvider, type ResolvedProvider } from './resolve-provider.js';
import { providerInputSchema } from './schemas.js';
import type { ProviderWriteRules } from './write-rules.js';

/**
 * A provider change of one entry of a multi-entry write, checked by the catalog's own rules (the same as
 * the admin API and the CLI); each field issue reported under its provider field, and null when the
 * change is invalid. A stdio command the rules forbid is a FORBIDDEN error, thrown.
 */
export function resolveEntry(
  raw: Record<string, unknown>,
  existing: Provider | null,
  subject: string,
  rules: ProviderWriteRules,
  report: (providerField: string, message: string) => void,
): ResolvedProvider | null {
  try {
    return resolveProvider(parseOrThrow(providerInputSchema, raw, subject), existing, subject, rules);
  } catch (err) {
    if (!(err instanceof ToolwireError) || err.code !== 'INVALID_INPUT') throw err;
    for (const issue of err.issues) report(issue.field, `${subject}'s ${issue.field} ${issue.message}.`);
    return null;
  }
}
