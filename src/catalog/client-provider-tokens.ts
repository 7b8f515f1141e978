import { isSecretStandIn } from '../core/model.js';
import { ToolwireError } from '../core/errors.js';
import type { Store } from '../store/index.js';
import { checkSecrets } from './credentials.js';
import type { ReportIssue } from './entry-issues.js';
import { replaceHost, type ProviderTokenEntry } from './provider-tokens.js';

/**
 * OpenHands' provider tokens sent with a client's token (SPEC §11): OpenHands keeps them per user, so each
 * becomes that client's own credential for the provider (its key, or an upstream MCP server's api_key),
 * the shared provider untouched. Runs inside the caller's transaction; issues are reported per entry.
 * `user_id` names OpenHands' user on a shared provider and is not kept per client; a `host` may only
 * repeat the provider's own (moving the shared API is the owner's write); a provider outside the client's
 * `--provider` scope is an unknown code.
 */
export async function applyClientProviderTokens(store: Store, clientName: string, entries: ProviderTokenEntry[], report: ReportIssue): Promise<string[]> {
  const stored: string[] = [];
  const own = new Map((await store.clientCredentials.listByClient(clientName)).map((c) => [c.providerId, c.secrets]));
  // A provider out of the client's scope is answered like one that does not exist, as on /mcp.
  const scope = (await store.clients.findByName(clientName))?.providers ?? [];
  for (const [index, entry] of entries.entries()) {
    const found = await store.providers.findByCode(entry.code);
    const provider = found && (scope.length === 0 || scope.includes(found.code)) ? found : undefined;
    if (!provider) {
      report(index, null, `Unknown provider code "${entry.code.slice(0, 64)}": no provider has it. Ask the owner for the codes there are, or fix the code.`);
      continue;
    }
    if (entry.host !== null) {
      const current = provider.kind === 'http' ? provider.baseUrl : provider.transport.protocol === 'stdio' ? null : provider.transport.url;
      if (current === null || replaceHost(current, entry.host) !== current) {
        report(
          index,
          'host',
          `Provider "${provider.code}" is shared: a client's token cannot move it to another host. Send host null (or its current host); the owner token can move it.`,
        );
        continue;
      }
    }
    const token = entry.token?.trim() ?? '';
    // null (or a masked stand-in) keeps what the client has; OpenHands sends them for tokens it already stored.
    if (token === '' || isSecretStandIn(token)) {
      stored.push(provider.code);
      continue;
    }
    const field = provider.kind === 'mcp' ? 'api_key' : 'apiKeyValue';
    try {
      const checked = checkSecrets(provider, { [field]: token }, `The token of provider "${provider.code}"`);
      await store.clientCredentials.set(clientName, provider.id, { ...own.get(provider.id), ...checked });
      stored.push(provider.code);
    } catch (err) {
      if (!(err instanceof ToolwireError)) throw err;
      for (const issue of err.issues.length > 0 ? err.issues : [{ field: field, message: err.message }])
        report(index, 'token', `${issue.field === field ? '' : `${issue.field}: `}${issue.message}`.trim());
    }
  }
  return stored;
}
