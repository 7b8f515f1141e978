import { isJsonObject } from '../../core/json.js';
import { quote } from '../web/context.js';
import { isHttpUrl } from '../../catalog/resolve-provider.js';
import { VAULT_CREDENTIAL_TYPES, VAULT_PROTOCOLS, type NewVaultCredential, type VaultCredentialType, type VaultProtocol } from '../../core/vaults.js';
import { invalidRequest } from './vault-errors.js';

/** One problem with one field, in Qoder's wording ("Field 'x' is required."). */
interface Problem {
  field: string;
  message: string;
}

const required = (field: string): Problem => ({ field, message: `Field '${field}' is required.` });

/** Throws one 400 whose message names every problem and whose `param` is the first field. */
function reject(problems: Problem[]): never {
  throw invalidRequest(problems.map((p) => p.message).join(' '), problems[0]?.field ?? null);
}

function text(body: Record<string, unknown>, key: string, field: string, problems: Problem[]): string | null {
  const value = body[key];
  if (value === undefined || value === null) {
    problems.push(required(field));
    return null;
  }
  if (typeof value !== 'string') {
    problems.push({ field, message: `Field '${field}' must be a string.` });
    return null;
  }
  return value.trim();
}

/** A CREDENTIAL object (`mcp_server_url`, `protocol`, `type`, `access_token`); `self` names it inside a vault body (`credentials[0]`). */
function credentialProblems(raw: unknown, self: string, problems: Problem[]): NewVaultCredential | null {
  const before = problems.length;
  const at = self ? `${self}.` : '';
  if (!isJsonObject(raw)) {
    problems.push({
      field: self || '(body)',
      message: `${self ? `Field '${self}'` : 'The request body'} must be a JSON object with mcp_server_url, protocol, type and access_token.`,
    });
    return null;
  }
  const url = text(raw, 'mcp_server_url', `${at}mcp_server_url`, problems);
  if (url !== null && !isHttpUrl(url)) {
    problems.push({
      field: `${at}mcp_server_url`,
      message: `Field '${at}mcp_server_url' must be the full http(s) URL of the MCP server, such as https://example.com/mcp (got ${quote(url)}).`,
    });
  }
  const protocol = text(raw, 'protocol', `${at}protocol`, problems);
  if (protocol !== null && !(VAULT_PROTOCOLS as readonly string[]).includes(protocol)) {
    problems.push({ field: `${at}protocol`, message: `Field '${at}protocol' must be one of: ${VAULT_PROTOCOLS.join(', ')} (got ${quote(protocol)}).` });
  }
  const type = text(raw, 'type', `${at}type`, problems);
  if (type !== null && !(VAULT_CREDENTIAL_TYPES as readonly string[]).includes(type)) {
    problems.push({ field: `${at}type`, message: `Field '${at}type' must be static_bearer, the only credential type supported (got ${quote(type)}).` });
  }
  const token = raw.access_token;
  if (token === undefined || token === null || (typeof token === 'string' && token.trim() === '')) {
    problems.push({ field: `${at}access_token`, message: `Field '${at}access_token' is required for static_bearer type.` });
  } else if (typeof token !== 'string') {
    problems.push({ field: `${at}access_token`, message: `Field '${at}access_token' must be a string.` });
  }
  if (problems.length > before) return null;
  return { mcpServerUrl: url as string, protocol: protocol as VaultProtocol, type: type as VaultCredentialType, accessToken: (token as string).trim() };
}

/** The body of `POST /v1/vaults/{vault_id}/credentials`, or a 400 naming each bad field. */
export function parseCredential(raw: unknown): NewVaultCredential {
  const problems: Problem[] = [];
  const credential = credentialProblems(raw, '', problems);
  if (!credential) reject(problems);
  return credential;
}

/** The body of `POST /v1/vaults`: a display name and at least one credential. */
export function parseVault(raw: unknown): { displayName: string; credentials: NewVaultCredential[] } {
  if (!isJsonObject(raw)) reject([{ field: '(body)', message: 'The request body must be a JSON object with display_name and credentials.' }]);
  const problems: Problem[] = [];
  const displayName = text(raw, 'display_name', 'display_name', problems);
  if (displayName === '') problems.push({ field: 'display_name', message: "Field 'display_name' must not be empty." });
  const list = raw.credentials;
  const credentials: NewVaultCredential[] = [];
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    problems.push({ field: 'credentials', message: "Field 'credentials' must be an array of credential objects." });
  } else if (!Array.isArray(list) || list.length === 0) {
    problems.push({ field: 'credentials', message: 'At least one credential is required when creating a vault.' });
  } else {
    list.forEach((item, i) => {
      const credential = credentialProblems(item, `credentials[${i}]`, problems);
      if (credential) credentials.push(credential);
    });
  }
  if (problems.length > 0) reject(problems);
  return { displayName: displayName as string, credentials };
}
