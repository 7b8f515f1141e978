import { isJsonObject } from '../../core/json.js';
import type { ProviderTokenEntry } from '../../catalog/provider-tokens.js';
import type { Problems } from './openhands-errors.js';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST = new RegExp(`^(?:\\[[0-9A-Fa-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)(?::([0-9]{1,5}))?$`);

/** `name[:port]`: a DNS name, an IPv4 address or a bracketed IPv6 address, and a port from 1 to 65535. */
export function isHostValue(host: string): boolean {
  const match = HOST.exec(host);
  if (!match) return false;
  const port = match[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** Checks the shape of `provider_tokens` (`{CODE: {token, user_id, host}}`); problems are recorded, valid entries returned. */
export function parseProviderTokens(raw: unknown, problems: Problems): ProviderTokenEntry[] {
  if (raw === undefined || raw === null) return [];
  if (!isJsonObject(raw)) {
    problems.add(['body', 'provider_tokens'], 'Input should be an object of provider codes, such as {"github": {"token": "…"}}.', 'dict_type');
    return [];
  }
  const entries: ProviderTokenEntry[] = [];
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
