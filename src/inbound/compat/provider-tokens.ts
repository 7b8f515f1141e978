import { isJsonObject } from '../../core/json.js';
import type { App } from '../../app.js';
import { isSecretStandIn, type Provider } from '../../core/model.js';
import type { Problems } from './openhands-errors.js';
import { resolveInto } from './provider-write.js';
import { httpWriteRules } from '../web/write-rules.js';

/** One entry of `provider_tokens`: `{CODE: {token, user_id, host}}`; null or absent keeps what is stored. */
export interface ProviderTokenInput {
  code: string;
  token: string | null;
  userId: string | null;
  host: string | null;
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST = new RegExp(`^(?:\\[[0-9A-Fa-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)(?::([0-9]{1,5}))?$`);

/** `name[:port]`: a DNS name, an IPv4 address or a bracketed IPv6 address, and a port from 1 to 65535. */
export function isHostValue(host: string): boolean {
  const match = HOST.exec(host);
  if (!match) return false;
  const port = match[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** The URL with its host (and port) replaced; scheme, user info, path and query kept as written. */
export function replaceHost(url: string, host: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*@)?[^/?#]*([\s\S]*)$/.exec(url);
  return match ? `${match[1]}${match[2] ?? ''}${host}${match[3]}` : url;
}

/** Checks the shape of `provider_tokens`; problems are recorded, valid entries returned. */
export function parseProviderTokens(raw: unknown, problems: Problems): ProviderTokenInput[] {
  if (raw === undefined || raw === null) return [];
  if (!isJsonObject(raw)) {
    problems.add(['body', 'provider_tokens'], 'Input should be an object of provider codes, such as {"github": {"token": "…"}}.', 'dict_type');
    return [];
  }
  const entries: ProviderTokenInput[] = [];
  for (const [code, value] of Object.entries(raw)) {
    const loc = ['body', 'provider_tokens', code];
    if (!isJsonObject(value)) {
      problems.add(loc, 'Input should be an object with token, user_id and host (each a string or null).', 'model_type');
      continue;
    }
    const token = problems.optionalString(value.token, [...loc, 'token']) ?? null;
    const userId = problems.optionalString(value.user_id, [...loc, 'user_id']) ?? null;
    const host = problems.optionalString(value.host, [...loc, 'host'])?.trim() || null;
    if (host !== null && !isHostValue(host)) {
      problems.add(
        [...loc, 'host'],
        `Host must be a host name with an optional port, such as github.example.com or gitlab.internal:8443 — no scheme, path or user (got ${JSON.stringify(host.slice(0, 60))}).`,
      );
    }
    entries.push({ code, token, userId, host });
  }
  return entries;
}

/** The provider fields a token entry changes; problems recorded for what cannot apply to this provider. */
function changes(entry: ProviderTokenInput, provider: Provider, problems: Problems): Record<string, unknown> {
  const loc = ['body', 'provider_tokens', entry.code];
  const out: Record<string, unknown> = {};
  const token = entry.token?.trim() ?? '';
  if (token !== '' && !isSecretStandIn(token)) {
    if (provider.isDynamicAuth) {
      problems.add(
        [...loc, 'token'],
        `Provider "${provider.code}" obtains its token from its dynamicAuthUrl, so a stored token would never be sent. Send token null, or turn dynamic auth off first (PUT /admin/providers/${provider.id}).`,
      );
    } else if (provider.kind === 'mcp' && provider.transport.protocol === 'stdio') {
      problems.add(
        [...loc, 'token'],
        `Provider "${provider.code}" is a stdio MCP server, which takes credentials through its env, not a token. Send token null.`,
      );
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
    else problems.add([...loc, 'host'], `Provider "${provider.code}" has no URL whose host could be replaced (it is a stdio MCP server). Send host null.`);
  }
  return out;
}

const FIELD_LOC: Record<string, string> = { baseUrl: 'host', url: 'host', apiKeyValue: 'token', userId: 'user_id' };

/** What the entries changed: the provider codes, and per code the stored secrets dropped because `host` moved. */
export interface ProviderTokensResult {
  stored: string[];
  droppedSecrets: Record<string, string[]>;
}

/** Applies the entries inside the caller's transaction. */
export function applyProviderTokens(app: App, entries: ProviderTokenInput[], problems: Problems): ProviderTokensResult {
  const stored: string[] = [];
  const droppedSecrets: Record<string, string[]> = {};
  for (const entry of entries) {
    const loc = ['body', 'provider_tokens', entry.code];
    const provider = app.store.providers.findByCode(entry.code);
    if (!provider) {
      problems.add(
        loc,
        `Unknown provider code "${entry.code.slice(0, 64)}": no provider has it. GET /admin/providers lists the codes; create the provider first, or fix the code.`,
      );
      continue;
    }
    const fieldLoc = (field: string) => [FIELD_LOC[field] ?? field];
    const resolved = resolveInto(changes(entry, provider, problems), provider, loc, problems, fieldLoc, httpWriteRules(app));
    if (resolved) {
      app.store.providers.update(provider.id, resolved.record);
      if (resolved.droppedSecrets.length > 0) droppedSecrets[provider.code] = resolved.droppedSecrets;
    }
    stored.push(provider.code);
  }
  return { stored, droppedSecrets };
}
