import { ToolwireError, type FieldIssue } from '../core/errors.js';
import { forbiddenHeaderReason } from '../core/forbidden-headers.js';
import { isJsonObject } from '../core/json.js';
import type { McpProvider, Provider } from '../core/model.js';
import { readPayload } from '../core/payload.js';
import { isConfigurationHeader } from '../core/redact.js';
import { secretFieldNames, USER_SECRET_FIELDS, type OAuthTokens, type UserCredential, type UserSecrets } from '../core/user-credentials.js';
import type { Store } from '../store/index.js';
import { invalid } from './issues.js';
import type { Write } from './vaults.js';

/** What a credential list shows: which provider, which fields, when. Never a value. */
export interface CredentialSummary {
  provider: string;
  credentialMode: Provider['credentialMode'];
  fields: string[];
  updatedAt: string;
}

/**
 * Each client's own credentials (SPEC §11, static kinds): write-only values, sealed like every secret,
 * one transaction per operation. The call path reads them all at once (`index`) when the registry
 * version moves, never per call.
 */
export class CredentialCatalog {
  constructor(
    private readonly store: Store,
    private readonly write: Write,
  ) {}

  /** Sets (replaces) the client's credential for the provider; NOT_FOUND for either unknown, INVALID_INPUT naming a bad field. */
  setCredential(clientName: string, providerCode: string, raw: unknown): Promise<CredentialSummary> {
    return this.write(
      async () => {
        await this.requireClient(clientName);
        const provider = await this.requireProvider(providerCode);
        const secrets = checkSecrets(provider, raw, `The credential of client "${clientName}" for provider "${provider.code}"`);
        await this.store.clientCredentials.set(clientName, provider.id, secrets);
        return summary(provider, secrets, new Date().toISOString());
      },
      (c) => ({ action: 'credential.set', object: `client:${clientName}/provider:${c.provider}`, detail: `fields: ${c.fields.join(', ')}` }),
    );
  }

  /**
   * Stores the grant an OAuth authorization-code flow ended with (the connect callback) as the client's own
   * credential for the provider, replacing any earlier one. A credential write: the registry version moves,
   * so every server's index picks it up.
   */
  async storeGrant(clientName: string, providerId: number, tokens: OAuthTokens): Promise<void> {
    await this.write(
      async () => {
        await this.requireClient(clientName);
        const provider = await this.store.providers.findById(providerId);
        if (provider?.oauth?.grant !== 'authorization_code') {
          throw new ToolwireError(
            'NOT_FOUND',
            `Provider ${providerId} is gone or no longer uses the OAuth 2 authorization-code grant, so the grant was not stored. Start again from the tool call.`,
          );
        }
        await this.store.clientCredentials.set(clientName, provider.id, { oauth: tokens });
      },
      { action: 'credential.connect', object: `client:${clientName}/provider:${providerId}`, detail: 'OAuth 2 grant' },
    );
  }

  /**
   * Keeps the tokens a refresh brought. Not a change anyone must hear about: the registry version stays
   * (migration 8), so no rebuild and no tools/list_changed; the process that refreshed holds them in memory
   * already. False when the credential was removed meanwhile (nothing is written then).
   */
  storeRefreshed(clientName: string, providerId: number, tokens: OAuthTokens): Promise<boolean> {
    // A renewal is toolwire's own doing, not an admin change: nothing to audit.
    return this.write(() => this.store.clientCredentials.setRefreshed(clientName, providerId, tokens), null);
  }

  /** The client's credentials as provider codes and field names: no value ever leaves. */
  listCredentials(clientName: string): Promise<CredentialSummary[]> {
    return this.store.read(async () => {
      await this.requireClient(clientName);
      const providers = new Map((await this.store.providers.list()).map((p) => [p.id, p]));
      return (await this.store.clientCredentials.listByClient(clientName)).map((c) => ({
        provider: c.providerCode,
        credentialMode: providers.get(c.providerId)?.credentialMode ?? 'shared',
        fields: fieldNames(providers.get(c.providerId), c.secrets),
        updatedAt: c.updatedAt,
      }));
    });
  }

  /** Removes the client's credential for the provider; NOT_FOUND when there was none. */
  async removeCredential(clientName: string, providerCode: string): Promise<void> {
    await this.write(
      async () => {
        await this.requireClient(clientName);
        const provider = await this.requireProvider(providerCode);
        if (!(await this.store.clientCredentials.remove(clientName, provider.id))) {
          throw new ToolwireError(
            'NOT_FOUND',
            `Client "${clientName}" has no credential of its own for provider "${provider.code}". \`toolwire credential list --client ${clientName}\` shows the ones it has.`,
          );
        }
      },
      { action: 'credential.remove', object: `client:${clientName}/provider:${providerCode}` },
    );
  }

  /** Every client's credentials, opened, in one read: the call path's in-memory index. */
  index(): Promise<UserCredential[]> {
    return this.store.read(() => this.store.clientCredentials.list());
  }

  private async requireClient(name: string): Promise<void> {
    if (!(await this.store.clients.findByName(name))) {
      throw new ToolwireError(
        'NOT_FOUND',
        `No client named ${JSON.stringify(name.slice(0, 64))}. \`toolwire client list\` (GET /admin/clients) shows the clients there are; \`toolwire client add NAME\` makes one.`,
      );
    }
  }

  private async requireProvider(code: string): Promise<Provider> {
    const provider = await this.store.providers.findByCode(code);
    if (!provider) {
      throw new ToolwireError(
        'NOT_FOUND',
        `No provider with code ${JSON.stringify(code.slice(0, 64))}. \`toolwire provider list\` (GET /admin/providers) shows the codes there are.`,
      );
    }
    return provider;
  }
}

function summary(provider: Provider, secrets: UserSecrets, updatedAt: string): CredentialSummary {
  return { provider: provider.code, credentialMode: provider.credentialMode, fields: fieldNames(provider, secrets), updatedAt };
}

/** The field names as the client gave them: an upstream MCP server's key is its `api_key`. */
function fieldNames(provider: Provider | undefined, secrets: UserSecrets): string[] {
  const names = secretFieldNames(secrets);
  return provider?.kind === 'mcp' ? names.map((name) => (name === 'apiKeyValue' ? 'api_key' : name)) : names;
}

/** The secrets a credential may carry for this provider: only the fields its authentication uses. */
export function checkSecrets(provider: Provider, raw: unknown, subject: string): UserSecrets {
  if (!isJsonObject(raw)) {
    throw invalid(subject, [{ field: '(body)', message: 'must be a JSON object of the provider\'s secret fields, such as {"apiKeyValue": "…"}' }]);
  }
  if (provider.kind === 'http' && provider.authenticationType === 'OAUTH2') {
    const how =
      provider.oauth?.grant === 'authorization_code'
        ? "each client's own credential is the OAuth grant it obtains by signing in through the connect page (a tool call without one answers with the link)"
        : 'it has one token for everyone, from its own client (oauth.grant "client_credentials")';
    throw invalid(subject, [{ field: 'provider', message: `"${provider.code}" is an OAuth 2 provider: ${how}; nothing can be set by hand` }]);
  }
  const issues: FieldIssue[] = [];
  const secrets = provider.kind === 'mcp' ? checkMcpSecrets(provider, raw, issues) : checkHttpSecrets(provider, raw, issues);
  if (issues.length === 0 && Object.keys(secrets).length === 0) {
    const fields =
      provider.kind === 'mcp' ? 'api_key' : provider.isDynamicAuth ? 'dynamicAuthPayload and/or customHeaders' : 'apiKeyValue and/or customHeaders';
    issues.push({ field: '(body)', message: `sets nothing; give ${fields}` });
  }
  if (issues.length > 0) throw invalid(subject, issues);
  return secrets;
}

function checkHttpSecrets(provider: Provider, raw: Record<string, unknown>, issues: FieldIssue[]): UserSecrets {
  const secrets: UserSecrets = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'apiKeyValue') {
      if (provider.authenticationType === 'NONE' || provider.isDynamicAuth) {
        issues.push({
          field,
          message: provider.isDynamicAuth
            ? `is not used by provider "${provider.code}": it obtains its token from its dynamicAuthUrl; set dynamicAuthPayload (this client's own login) instead`
            : `is not used by provider "${provider.code}" (authenticationType NONE); set customHeaders, or give the provider an API_KEY, BEARER_TOKEN or BASIC_AUTH authentication`,
        });
      } else if (typeof value !== 'string' || value.trim() === '') issues.push({ field, message: 'must be a non-empty string' });
      else secrets.apiKeyValue = value;
    } else if (field === 'customHeaders') {
      const headers = checkHeaders(value, issues);
      if (headers) secrets.customHeaders = headers;
    } else if (field === 'dynamicAuthPayload') {
      const payload = checkUserPayload(provider, value, issues);
      if (payload !== null) secrets.dynamicAuthPayload = payload;
    } else {
      issues.push({ field, message: `is not a secret field a per-user credential can set; give ${USER_SECRET_FIELDS.join(', ')}` });
    }
  }
  return secrets;
}

/** An upstream MCP server takes one secret per client: its `api_key`, sent as that client's bearer token. */
function checkMcpSecrets(provider: McpProvider, raw: Record<string, unknown>, issues: FieldIssue[]): UserSecrets {
  const secrets: UserSecrets = {};
  if (provider.transport.protocol === 'stdio') {
    issues.push({
      field: 'provider',
      message: `"${provider.code}" is a stdio MCP server: it takes credentials through its env, one process for everyone, so it has no per-user key`,
    });
    return secrets;
  }
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'api_key' || field === 'apiKeyValue') {
      if (typeof value !== 'string' || value.trim() === '')
        issues.push({ field, message: 'must be a non-empty string (the key the upstream MCP server takes as a bearer token)' });
      else if (secrets.apiKeyValue !== undefined) issues.push({ field, message: 'is given twice (api_key and apiKeyValue): give one' });
      else secrets.apiKeyValue = value;
    } else {
      issues.push({ field, message: `is not a secret field of an upstream MCP server; give {"api_key": "…"}` });
    }
  }
  return secrets;
}

/**
 * A client's dynamic-auth payload: a JSON object, or its JSON string, of the keys the provider's shared
 * payload has (when it has any: the client's values replace those keys, the others stay the provider's).
 * Returned as its JSON string, the way the provider keeps its own.
 */
function checkUserPayload(provider: Provider, value: unknown, issues: FieldIssue[]): string | null {
  const field = 'dynamicAuthPayload';
  if (!provider.isDynamicAuth) {
    issues.push({
      field,
      message: `is not used by provider "${provider.code}": it does not obtain tokens (isDynamicAuth is false); set apiKeyValue or customHeaders`,
    });
    return null;
  }
  let object: unknown = value;
  if (typeof value === 'string') {
    const read = readPayload(value);
    object = read.ok && !read.form ? read.value : null;
  }
  if (!isJsonObject(object) || Object.keys(object).length === 0) {
    issues.push({ field, message: 'must be a non-empty JSON object (or its JSON string) of this client\'s login, such as {"username": "…", "password": "…"}' });
    return null;
  }
  const shared = readPayload(provider.dynamicAuthPayload);
  const known = shared.ok ? Object.keys(shared.value) : [];
  let ok = true;
  for (const [key, v] of Object.entries(object)) {
    if (known.length > 0 && !known.includes(key)) {
      issues.push({
        field: `${field}.${key}`,
        message: `is not a key of provider "${provider.code}"'s payload; its keys are ${known.map((k) => JSON.stringify(k)).join(', ')}`,
      });
      ok = false;
    } else if (v === null || v === '') {
      issues.push({ field: `${field}.${key}`, message: "must have a value (leave the key out to keep the provider's)" });
      ok = false;
    }
  }
  return ok ? JSON.stringify(object) : null;
}

function checkHeaders(value: unknown, issues: FieldIssue[]): Record<string, string> | null {
  if (!isJsonObject(value) || Object.keys(value).length === 0) {
    issues.push({ field: 'customHeaders', message: 'must be a non-empty object of header names to string values, such as {"X-Token": "…"}' });
    return null;
  }
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    const field = `customHeaders.${name}`;
    const forbidden = forbiddenHeaderReason(name);
    if (forbidden) issues.push({ field, message: `cannot be set: ${forbidden}` });
    else if (isConfigurationHeader(name))
      issues.push({ field, message: 'is a configuration header, not a secret: set it on the provider (customHeaders), where it is shared' });
    else if (typeof v !== 'string' || v === '') issues.push({ field, message: 'must be a non-empty string' });
    else headers[name] = v;
  }
  return headers;
}
