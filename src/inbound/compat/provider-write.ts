import { parseOrThrow } from '../../catalog/issues.js';
import { resolveProvider, type ResolvedProvider } from '../../catalog/resolve-provider.js';
import { providerInputSchema } from '../../catalog/schemas.js';
import type { ProviderWriteRules } from '../../catalog/write-rules.js';
import { ToolwireError } from '../../core/errors.js';
import type { Provider } from '../../core/model.js';
import type { Loc, Problems } from './openhands-errors.js';

/**
 * A provider change checked by the catalog's own rules (the same as the admin API and the CLI), its
 * field issues recorded as details under `loc`; null when it is invalid. `fieldLoc` says where in the
 * request a provider field came from (`baseUrl` came from `host`, say). Writes here come over HTTP,
 * so the stdio lock applies unless TOOLWIRE_ALLOW_STDIO_UPSTREAMS is set (a FORBIDDEN error, thrown).
 */
export function resolveInto(
  raw: Record<string, unknown>,
  existing: Provider | null,
  loc: Loc,
  problems: Problems,
  fieldLoc: (field: string) => Loc,
  rules: ProviderWriteRules,
  subject = existing ? `The provider "${existing.code}"` : 'The MCP server',
): ResolvedProvider | null {
  try {
    return resolveProvider(parseOrThrow(providerInputSchema, raw, subject), existing, subject, rules);
  } catch (err) {
    if (!(err instanceof ToolwireError) || err.code !== 'INVALID_INPUT') throw err;
    for (const issue of err.issues) problems.add([...loc, ...fieldLoc(issue.field)], `${subject}'s ${issue.field} ${issue.message}.`);
    return null;
  }
}
