import { ToolwireError, type FieldIssue } from '../core/errors.js';
import { forbiddenHeaderReason } from '../core/forbidden-headers.js';
import { isJsonObject } from '../core/json.js';
import type { Provider } from '../core/model.js';
import { isConfigurationHeader } from '../core/redact.js';
import { secretFieldNames, USER_SECRET_FIELDS, type UserCredential, type UserSecrets } from '../core/user-credentials.js';
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

/** Fields SPEC §11 names for per-user credentials that this increment does not carry yet. */
const NOT_YET: Record<string, string> = {
  dynamicAuthPayload: 'a per-user dynamic-auth payload is not supported yet (each user logging in with their own payload comes later)',
  api_key: "a per-user upstream MCP server key is not supported yet (the upstream's key is the provider's shared one)",
};

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
  setCredential(clientName: string, providerCode: string, raw: unknown): CredentialSummary {
    return this.write(
      () => {
        this.requireClient(clientName);
        const provider = this.requireProvider(providerCode);
        const secrets = checkSecrets(provider, raw, `The credential of client "${clientName}" for provider "${provider.code}"`);
        this.store.clientCredentials.set(clientName, provider.id, secrets);
        return summary(provider, secrets, new Date().toISOString());
      },
      (c) => ({ action: 'credential.set', object: `client:${clientName}/provider:${c.provider}`, detail: `fields: ${c.fields.join(', ')}` }),
    );
  }

  /** The client's credentials as provider codes and field names: no value ever leaves. */
  listCredentials(clientName: string): CredentialSummary[] {
    return this.store.read(() => {
      this.requireClient(clientName);
      const modes = new Map(this.store.providers.list().map((p) => [p.id, p.credentialMode]));
      return this.store.clientCredentials.listByClient(clientName).map((c) => ({
        provider: c.providerCode,
        credentialMode: modes.get(c.providerId) ?? 'shared',
        fields: secretFieldNames(c.secrets),
        updatedAt: c.updatedAt,
      }));
    });
  }

  /** Removes the client's credential for the provider; NOT_FOUND when there was none. */
  removeCredential(clientName: string, providerCode: string): void {
    this.write(
      () => {
        this.requireClient(clientName);
        const provider = this.requireProvider(providerCode);
        if (!this.store.clientCredentials.remove(clientName, provider.id)) {
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
  index(): UserCredential[] {
    return this.store.read(() => this.store.clientCredentials.list());
  }

  private requireClient(name: string): void {
    if (!this.store.clients.findByName(name)) {
      throw new ToolwireError(
        'NOT_FOUND',
        `No client named ${JSON.stringify(name.slice(0, 64))}. \`toolwire client list\` (GET /admin/clients) shows the clients there are; \`toolwire client add NAME\` makes one.`,
      );
    }
  }

  private requireProvider(code: string): Provider {
    const provider = this.store.providers.findByCode(code);
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
  return { provider: provider.code, credentialMode: provider.credentialMode, fields: secretFieldNames(secrets), updatedAt };
}

/** The secrets a credential may carry for this provider: only the fields its authentication uses. */
function checkSecrets(provider: Provider, raw: unknown, subject: string): UserSecrets {
  if (!isJsonObject(raw)) {
    throw invalid(subject, [{ field: '(body)', message: 'must be a JSON object of the provider\'s secret fields, such as {"apiKeyValue": "…"}' }]);
  }
  if (provider.kind === 'mcp') {
    throw invalid(subject, [{ field: 'provider', message: `"${provider.code}" is an upstream MCP server: ${NOT_YET.api_key}` }]);
  }
  const issues: FieldIssue[] = [];
  const secrets: UserSecrets = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field in NOT_YET) issues.push({ field, message: `is refused: ${NOT_YET[field]}` });
    else if (field === 'apiKeyValue') {
      if (provider.authenticationType === 'NONE' || provider.isDynamicAuth) {
        issues.push({
          field,
          message: `is not used by provider "${provider.code}" (authenticationType ${provider.isDynamicAuth ? 'with dynamic auth' : 'NONE'}); set customHeaders, or give the provider an API_KEY, BEARER_TOKEN or BASIC_AUTH authentication`,
        });
      } else if (typeof value !== 'string' || value.trim() === '') issues.push({ field, message: 'must be a non-empty string' });
      else secrets.apiKeyValue = value;
    } else if (field === 'customHeaders') {
      const headers = checkHeaders(value, issues);
      if (headers) secrets.customHeaders = headers;
    } else {
      issues.push({ field, message: `is not a secret field a per-user credential can set; give ${USER_SECRET_FIELDS.join(' and/or ')}` });
    }
  }
  if (issues.length === 0 && Object.keys(secrets).length === 0) {
    issues.push({ field: '(body)', message: 'sets nothing; give apiKeyValue and/or customHeaders' });
  }
  if (issues.length > 0) throw invalid(subject, issues);
  return secrets;
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
