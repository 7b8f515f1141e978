import { isSecretStandIn, type Provider } from '../core/model.js';
import type { Store } from '../store/index.js';
import type { ReportIssue } from './entry-issues.js';
import { resolveEntry } from './resolve-entry.js';
import type { ProviderWriteRules } from './write-rules.js';
import { updateProviderRecord } from './provider-update.js';

/** One provider token (OpenHands' `provider_tokens`): its credential, user and host; null keeps what is stored. */
export interface ProviderTokenEntry {
  code: string;
  token: string | null;
  userId: string | null;
  host: string | null;
}

/** What the entries changed: the provider codes, and per code the stored secrets dropped because `host` moved. */
export interface ProviderTokensResult {
  stored: string[];
  droppedSecrets: Record<string, string[]>;
}

/** The URL with its host (and port) replaced; scheme, user info, path and query kept as written. */
export function replaceHost(url: string, host: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*@)?[^/?#]*([\s\S]*)$/.exec(url);
  return match ? `${match[1]}${match[2] ?? ''}${host}${match[3]}` : url;
}

/** The provider fields an entry changes; issues reported for what cannot apply to this provider. */
function changes(entry: ProviderTokenEntry, provider: Provider, report: (field: string, message: string) => void): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const token = entry.token?.trim() ?? '';
  if (token !== '' && !isSecretStandIn(token)) {
    if (provider.isDynamicAuth) {
      report(
        'token',
        `Provider "${provider.code}" obtains its token from its dynamicAuthUrl, so a stored token would never be sent. Send token null, or turn dynamic auth off first (PUT /admin/providers/${provider.id}).`,
      );
    } else if (provider.kind === 'mcp' && provider.transport.protocol === 'stdio') {
      report('token', `Provider "${provider.code}" is a stdio MCP server, which takes credentials through its env, not a token. Send token null.`);
    } else {
      out.apiKeyValue = token;
      // A provider without auth gets the token as a bearer token: the usual way a git host takes one.
      if (provider.authenticationType === 'NONE') out.authenticationType = 'BEARER_TOKEN';
    }
  }
  if (entry.userId !== null) out.userId = entry.userId;
  if (entry.host !== null) {
    if (provider.kind === 'http') out.baseUrl = replaceHost(provider.baseUrl, entry.host);
    else if (provider.transport.protocol !== 'stdio') out.url = replaceHost(provider.transport.url, entry.host);
    else report('host', `Provider "${provider.code}" has no URL whose host could be replaced (it is a stdio MCP server). Send host null.`);
  }
  return out;
}

/** The entry field a provider field came from (`baseUrl` from `host`); other provider fields keep their name. */
const ENTRY_FIELD: Record<string, string> = { baseUrl: 'host', url: 'host', apiKeyValue: 'token' };

/** Applies the entries inside the caller's transaction; issues are reported, the entries without any written. */
export async function applyProviderTokens(
  store: Store,
  entries: ProviderTokenEntry[],
  rules: ProviderWriteRules,
  report: ReportIssue,
): Promise<ProviderTokensResult> {
  const stored: string[] = [];
  const droppedSecrets: Record<string, string[]> = {};
  for (const [index, entry] of entries.entries()) {
    const provider = await store.providers.findByCode(entry.code);
    if (!provider) {
      report(
        index,
        null,
        `Unknown provider code "${entry.code.slice(0, 64)}": no provider has it. GET /admin/providers lists the codes; create the provider first, or fix the code.`,
      );
      continue;
    }
    const subject = `The provider "${provider.code}"`;
    const fields = changes(entry, provider, (field, message) => report(index, field, message));
    const resolved = resolveEntry(fields, provider, subject, rules, (field, message) => report(index, ENTRY_FIELD[field] ?? field, message));
    if (resolved) {
      await updateProviderRecord(store, provider, resolved.record);
      if (resolved.droppedSecrets.length > 0) droppedSecrets[provider.code] = resolved.droppedSecrets;
    }
    stored.push(provider.code);
  }
  return { stored, droppedSecrets };
}
