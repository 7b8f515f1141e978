import type { OpenDatabase } from './db.js';
import { opening } from './secret-box.js';
import {
  flatKindFields,
  type McpProtocol,
  type OAuthSettings,
  type McpTransport,
  type Provider,
  type ProviderBase,
  type ProviderRecord,
} from '../core/model.js';

export type { ProviderRecord };

interface ProviderRow {
  id: number;
  code: string;
  name: string;
  base_url: string | null;
  authentication_type: string;
  api_key_location: string;
  api_key_name: string | null;
  api_key_value_enc: string | null;
  is_exportable: number;
  custom_headers_enc: string | null;
  is_dynamic_auth: number;
  dynamic_auth_url: string | null;
  dynamic_auth_method: string | null;
  dynamic_auth_payload_enc: string | null;
  dynamic_auth_payload_type: string | null;
  dynamic_auth_payload_location: string | null;
  dynamic_auth_token_extraction_path: string | null;
  dynamic_auth_invalidation_keywords: string | null;
  enabled: number;
  credential_mode: string;
  rate_per_minute: number | null;
  max_result_tokens: number | null;
  fence_upstream_text: number;
  kind: string;
  tool_mode: string;
  user_id: string | null;
  mcp_url: string | null;
  mcp_protocol: string | null;
  mcp_command: string | null;
  mcp_args: string;
  mcp_env_enc: string | null;
  oauth: string | null;
  oauth_client_secret_enc: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `code, name, base_url, authentication_type, api_key_location, api_key_name, api_key_value_enc,
  is_exportable, custom_headers_enc, is_dynamic_auth, dynamic_auth_url, dynamic_auth_method, dynamic_auth_payload_enc,
  dynamic_auth_payload_type, dynamic_auth_payload_location, dynamic_auth_token_extraction_path,
  dynamic_auth_invalidation_keywords, enabled, credential_mode, rate_per_minute, max_result_tokens, fence_upstream_text, kind, tool_mode, user_id, mcp_url, mcp_protocol, mcp_command, mcp_args,
  mcp_env_enc, oauth, oauth_client_secret_enc`;
const PARAMS = `@code, @name, @base_url, @authentication_type, @api_key_location, @api_key_name, @api_key_value_enc,
  @is_exportable, @custom_headers_enc, @is_dynamic_auth, @dynamic_auth_url, @dynamic_auth_method, @dynamic_auth_payload_enc,
  @dynamic_auth_payload_type, @dynamic_auth_payload_location, @dynamic_auth_token_extraction_path,
  @dynamic_auth_invalidation_keywords, @enabled, @credential_mode, @rate_per_minute, @max_result_tokens, @fence_upstream_text, @kind, @tool_mode, @user_id, @mcp_url, @mcp_protocol, @mcp_command, @mcp_args,
  @mcp_env_enc, @oauth, @oauth_client_secret_enc`;

const ASSIGNMENTS = COLUMNS.split(',')
  .map((c) => `${c.trim()} = @${c.trim()}`)
  .join(', ');
const SQL = {
  all: 'SELECT * FROM providers ORDER BY id',
  byId: 'SELECT * FROM providers WHERE id = ?',
  byCode: 'SELECT * FROM providers WHERE code = ?',
  insert: `INSERT INTO providers (${COLUMNS}, created_at, updated_at) VALUES (${PARAMS}, @now, @now) RETURNING id`,
  update: `UPDATE providers SET ${ASSIGNMENTS}, updated_at = @now WHERE id = @id`,
  remove: 'DELETE FROM providers WHERE id = ?',
};

/** Provider rows, with secrets sealed on write and opened on read. */
export class ProviderRepository {
  constructor(private readonly database: OpenDatabase) {}

  async list(): Promise<Provider[]> {
    const rows = await this.database.driver.all<ProviderRow>(SQL.all);
    return opening(this.database.box, () => rows.map((row) => this.fromRow(row)));
  }

  async findById(id: number): Promise<Provider | undefined> {
    const row = await this.database.driver.get<ProviderRow>(SQL.byId, [id]);
    return row && opening(this.database.box, () => this.fromRow(row));
  }

  async findByCode(code: string): Promise<Provider | undefined> {
    const row = await this.database.driver.get<ProviderRow>(SQL.byCode, [code]);
    return row && opening(this.database.box, () => this.fromRow(row));
  }

  async insert(record: ProviderRecord): Promise<Provider> {
    await this.database.box.beforeSeal();
    const inserted = await this.database.driver.get<{ id: number }>(SQL.insert, { ...this.toRow(record), now: new Date().toISOString() });
    return (await this.findById(Number(inserted?.id))) as Provider;
  }

  async update(id: number, record: ProviderRecord): Promise<Provider> {
    await this.database.box.beforeSeal();
    await this.database.driver.run(SQL.update, { ...this.toRow(record), id, now: new Date().toISOString() });
    return (await this.findById(id)) as Provider;
  }

  async remove(id: number): Promise<boolean> {
    return (await this.database.driver.run(SQL.remove, [id])).changes > 0;
  }

  private seal(value: string | null): string | null {
    return value === null || value === '' ? null : this.database.box.encrypt(value);
  }

  private sealMap(map: Record<string, string>): string | null {
    return Object.keys(map).length === 0 ? null : this.database.box.encrypt(JSON.stringify(map));
  }

  private open(value: string | null): string | null {
    return value === null ? null : this.database.box.decrypt(value);
  }

  private openMap(value: string | null): Record<string, string> {
    return value === null ? {} : (JSON.parse(this.database.box.decrypt(value)) as Record<string, string>);
  }

  private toRow(p: ProviderRecord): Omit<ProviderRow, 'id' | 'created_at' | 'updated_at'> {
    const flat = flatKindFields(p);
    return {
      code: p.code,
      name: p.name,
      base_url: flat.baseUrl,
      authentication_type: p.authenticationType,
      api_key_location: p.apiKeyLocation,
      api_key_name: p.apiKeyName,
      api_key_value_enc: this.seal(p.apiKeyValue),
      is_exportable: p.isExportable ? 1 : 0,
      custom_headers_enc: this.sealMap(p.customHeaders),
      is_dynamic_auth: p.isDynamicAuth ? 1 : 0,
      dynamic_auth_url: p.dynamicAuthUrl,
      dynamic_auth_method: p.dynamicAuthMethod,
      dynamic_auth_payload_enc: this.seal(p.dynamicAuthPayload),
      dynamic_auth_payload_type: p.dynamicAuthPayloadType,
      dynamic_auth_payload_location: p.dynamicAuthPayloadLocation,
      dynamic_auth_token_extraction_path: p.dynamicAuthTokenExtractionPath,
      dynamic_auth_invalidation_keywords: p.dynamicAuthInvalidationKeywords,
      enabled: p.enabled ? 1 : 0,
      credential_mode: p.credentialMode,
      rate_per_minute: p.rateLimit?.perMinute ?? null,
      max_result_tokens: p.maxResultTokens,
      fence_upstream_text: p.fenceUpstreamText ? 1 : 0,
      kind: p.kind,
      tool_mode: p.toolMode,
      user_id: p.userId,
      mcp_url: flat.url,
      mcp_protocol: flat.protocol,
      mcp_command: flat.command,
      mcp_args: JSON.stringify(flat.args),
      mcp_env_enc: this.sealMap(flat.env),
      ...this.oauthColumns(p.oauth),
    };
  }

  /** The client registration as JSON, its secret sealed apart (so the JSON column never holds it). */
  private oauthColumns(oauth: OAuthSettings | null): Pick<ProviderRow, 'oauth' | 'oauth_client_secret_enc'> {
    if (oauth === null) return { oauth: null, oauth_client_secret_enc: null };
    const { clientSecret, ...settings } = oauth;
    return { oauth: JSON.stringify(settings), oauth_client_secret_enc: this.seal(clientSecret) };
  }

  private openOAuth(r: ProviderRow): OAuthSettings | null {
    if (r.oauth === null) return null;
    return { ...(JSON.parse(r.oauth) as Omit<OAuthSettings, 'clientSecret'>), clientSecret: this.open(r.oauth_client_secret_enc) };
  }

  private fromRow(r: ProviderRow): Provider {
    const base: ProviderBase = {
      id: r.id,
      name: r.name,
      code: r.code,
      authenticationType: r.authentication_type as Provider['authenticationType'],
      apiKeyLocation: r.api_key_location as Provider['apiKeyLocation'],
      apiKeyName: r.api_key_name,
      apiKeyValue: this.open(r.api_key_value_enc),
      isExportable: r.is_exportable === 1,
      customHeaders: this.openMap(r.custom_headers_enc),
      isDynamicAuth: r.is_dynamic_auth === 1,
      dynamicAuthUrl: r.dynamic_auth_url,
      dynamicAuthMethod: r.dynamic_auth_method as Provider['dynamicAuthMethod'],
      dynamicAuthPayload: this.open(r.dynamic_auth_payload_enc),
      dynamicAuthPayloadType: r.dynamic_auth_payload_type as Provider['dynamicAuthPayloadType'],
      dynamicAuthPayloadLocation: r.dynamic_auth_payload_location as Provider['dynamicAuthPayloadLocation'],
      dynamicAuthTokenExtractionPath: r.dynamic_auth_token_extraction_path,
      dynamicAuthInvalidationKeywords: r.dynamic_auth_invalidation_keywords,
      enabled: r.enabled === 1,
      credentialMode: r.credential_mode as Provider['credentialMode'],
      oauth: this.openOAuth(r),
      toolMode: r.tool_mode as Provider['toolMode'],
      userId: r.user_id,
      rateLimit: r.rate_per_minute === null ? null : { perMinute: r.rate_per_minute },
      maxResultTokens: r.max_result_tokens,
      fenceUpstreamText: r.fence_upstream_text === 1,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    if (r.kind !== 'mcp') return { ...base, kind: 'http', baseUrl: r.base_url ?? '' };
    return { ...base, kind: 'mcp', transport: this.transport(r) };
  }

  /** The catalog only stores complete transports; an empty string stands in should a column be missing. */
  private transport(r: ProviderRow): McpTransport {
    const protocol = (r.mcp_protocol ?? (r.mcp_command ? 'stdio' : 'streamable_http')) as McpProtocol;
    if (protocol === 'stdio') return { protocol, command: r.mcp_command ?? '', args: JSON.parse(r.mcp_args) as string[], env: this.openMap(r.mcp_env_enc) };
    return { protocol, url: r.mcp_url ?? '' };
  }
}
