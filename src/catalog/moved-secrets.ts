import { isConfigurationHeader } from '../core/redact.js';
import { isSecretStandIn, type Provider, type ProviderRecord } from '../core/model.js';
import type { ProviderInput } from './schemas.js';
import { parsePayloadObject } from '../core/secret-merge.js';

/**
 * Write-only secrets must not be readable by moving them: a stored secret is sent only to the origin
 * (scheme, host, port) it was stored for. When a write moves that origin — a new `baseUrl`, MCP `url`
 * or `dynamicAuthUrl`, whatever route the write came by (admin API, import, OpenAPI re-import,
 * add-git-providers `host`) — every stored secret bound to it is dropped unless the same write gives
 * it again. Returns the fields dropped (`apiKeyValue`, `customHeaders.X-Token`, `dynamicAuthPayload`).
 */
export function dropMovedSecrets(record: ProviderRecord, existing: Provider | null, input: ProviderInput): string[] {
  if (!existing) return [];
  const dropped: string[] = [];
  if (secretOrigin(record) !== secretOrigin(existing)) {
    if (record.apiKeyValue !== null && !givesSecret(input.apiKeyValue)) {
      record.apiKeyValue = null;
      dropped.push('apiKeyValue');
    }
    for (const name of Object.keys(record.customHeaders)) {
      if (isConfigurationHeader(name) || givesSecret(givenHeader(input, name))) continue;
      if (!Object.keys(existing.customHeaders).some((k) => k.toLowerCase() === name.toLowerCase())) continue;
      delete record.customHeaders[name];
      dropped.push(`customHeaders.${name}`);
    }
  }
  // The payload goes to the token endpoint, and the token it buys goes to the API: either moving drops
  // it — whether dynamic auth is on in this write or not (turned off, moved, then on again, it would
  // still buy tokens for the new host).
  const apiMoved = secretOrigin(record) !== secretOrigin(existing);
  if (record.dynamicAuthPayload !== null && (apiMoved || origin(record.dynamicAuthUrl) !== origin(existing.dynamicAuthUrl))) {
    if (!givesPayload(input.dynamicAuthPayload)) {
      record.dynamicAuthPayload = null;
      dropped.push('dynamicAuthPayload');
    }
  }
  // The client secret goes to the token endpoint, and the token it buys goes to the API: either moving drops it.
  const secret = record.oauth?.clientSecret ?? null;
  if (record.oauth && secret !== null && (apiMoved || origin(record.oauth.tokenUrl) !== origin(existing.oauth?.tokenUrl ?? null))) {
    if (!givesSecret(input.oauth?.clientSecret)) {
      record.oauth.clientSecret = null;
      dropped.push('oauth.clientSecret');
    }
  }
  return dropped;
}

/**
 * Whether a write moves where a client's own credential goes: the API's origin, or — for an OAuth grant,
 * whose refresh token goes there — the token endpoint's.
 */
export function userSecretOriginMoved(record: ProviderRecord, existing: Provider): boolean {
  return secretOriginMoved(record, existing) || origin(record.oauth?.tokenUrl ?? null) !== origin(existing.oauth?.tokenUrl ?? null);
}

/** Whether a write moves where the provider's static secrets go (its API's or MCP server's origin). */
export function secretOriginMoved(record: ProviderRecord, existing: Provider): boolean {
  return secretOrigin(record) !== secretOrigin(existing);
}

/** Where a provider's static secrets are sent: its API's origin, its MCP server's, or its own process. */
function secretOrigin(p: Provider | ProviderRecord): string {
  if (p.kind === 'http') return origin(p.baseUrl);
  return p.transport.protocol === 'stdio' ? 'stdio:' : origin(p.transport.url);
}

function origin(url: string | null): string {
  if (!url) return '';
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** A real value sent in this write (not absent, blank, or a mask echoed back). */
function givesSecret(value: string | null | undefined): boolean {
  return typeof value === 'string' && value.trim() !== '' && !isSecretStandIn(value.trim());
}

function givenHeader(input: ProviderInput, name: string): string | undefined {
  const headers = input.customHeaders ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function givesPayload(value: string | null | undefined): boolean {
  if (!givesSecret(value)) return false;
  const parsed = parsePayloadObject(value as string);
  return !parsed || !Object.values(parsed.values).some(isSecretStandIn);
}

/** One line for the CLI and import reports: what was dropped and how to give it back. */
export function droppedSecretsNote(code: string, fields: string[]): string {
  return `Provider "${code}" now sends its credentials to another host, so the stored ${fields.join(', ')} ${fields.length === 1 ? 'was' : 'were'} dropped rather than sent there. If the new host should have ${fields.length === 1 ? 'it' : 'them'}, give ${fields.length === 1 ? 'it' : 'them'} again: toolwire provider update ${code} - (or in the same request as the new URL).\n`;
}
