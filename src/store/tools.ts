import type { OpenDatabase } from './db.js';
import type { Parameter, Tool } from '../core/model.js';

/** A tool as written: everything but the assigned id, the provider's code and timestamps. */
export type ToolRecord = Omit<Tool, 'id' | 'providerCode' | 'createdAt' | 'updatedAt'>;

interface ToolRow {
  id: number;
  provider_id: number;
  provider_code: string;
  code: string;
  name: string;
  description: string | null;
  endpoint_path: string;
  http_method: string;
  body_payload_template: string | null;
  enabled: number;
  is_exportable: number;
  parameters: string;
  output_schema: string | null;
  rate_per_minute: number | null;
  max_result_tokens: number | null;
  response_fields: string | null;
  created_at: string;
  updated_at: string;
}

const SELECT = 'SELECT t.*, p.code AS provider_code FROM tools t JOIN providers p ON p.id = t.provider_id';

const SQL = {
  all: `${SELECT} ORDER BY t.id`,
  byProvider: `${SELECT} WHERE t.provider_id = ? ORDER BY t.id`,
  byId: `${SELECT} WHERE t.id = ?`,
  byCode: `${SELECT} WHERE t.code = ?`,
  insert: `INSERT INTO tools (provider_id, code, name, description, endpoint_path, http_method,
    body_payload_template, enabled, is_exportable, parameters, output_schema, rate_per_minute, max_result_tokens, response_fields, created_at, updated_at)
    VALUES (@provider_id, @code, @name, @description, @endpoint_path, @http_method, @body_payload_template,
    @enabled, @is_exportable, @parameters, @output_schema, @rate_per_minute, @max_result_tokens, @response_fields, @now, @now) RETURNING id`,
  update: `UPDATE tools SET provider_id = @provider_id, code = @code, name = @name,
    description = @description, endpoint_path = @endpoint_path, http_method = @http_method,
    body_payload_template = @body_payload_template, enabled = @enabled, is_exportable = @is_exportable,
    parameters = @parameters, output_schema = @output_schema, rate_per_minute = @rate_per_minute,
    max_result_tokens = @max_result_tokens, response_fields = @response_fields, updated_at = @now WHERE id = @id`,
  remove: 'DELETE FROM tools WHERE id = ?',
  seq: `SELECT CAST(value AS INTEGER) AS seq FROM meta WHERE key = 'tool_seq'`,
  changedSince: `${SELECT} WHERE t.revision > ? ORDER BY t.id`,
  removedSince: 'SELECT id FROM tools_removed WHERE revision > ?',
};

/** Tool rows; parameters live in a JSON column because they are always read and written whole. */
export class ToolRepository {
  constructor(private readonly database: OpenDatabase) {}

  private get db() {
    return this.database.driver;
  }

  /** The tool change counter: every insert, update or delete of a tool takes the next value. */
  async changeSeq(): Promise<number> {
    return Number((await this.db.get<{ seq: number }>(SQL.seq))?.seq);
  }

  /** Tools inserted or changed after change `seq`, and the ids of those removed after it (index scans). */
  async changesSince(seq: number): Promise<{ changed: Tool[]; removed: number[] }> {
    const changed = (await this.db.all<ToolRow>(SQL.changedSince, [seq])).map(fromRow);
    const removed = (await this.db.all<{ id: number }>(SQL.removedSince, [seq])).map((r) => r.id);
    return { changed, removed };
  }

  async list(): Promise<Tool[]> {
    return (await this.db.all<ToolRow>(SQL.all)).map(fromRow);
  }

  async listByProvider(providerId: number): Promise<Tool[]> {
    return (await this.db.all<ToolRow>(SQL.byProvider, [providerId])).map(fromRow);
  }

  async findById(id: number): Promise<Tool | undefined> {
    const row = await this.db.get<ToolRow>(SQL.byId, [id]);
    return row && fromRow(row);
  }

  async findByCode(code: string): Promise<Tool | undefined> {
    const row = await this.db.get<ToolRow>(SQL.byCode, [code]);
    return row && fromRow(row);
  }

  async insert(record: ToolRecord): Promise<Tool> {
    const inserted = await this.db.get<{ id: number }>(SQL.insert, { ...toRow(record), now: new Date().toISOString() });
    return (await this.findById(Number(inserted?.id))) as Tool;
  }

  async update(id: number, record: ToolRecord): Promise<Tool> {
    await this.db.run(SQL.update, { ...toRow(record), id, now: new Date().toISOString() });
    return (await this.findById(id)) as Tool;
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db.run(SQL.remove, [id])).changes > 0;
  }
}

function toRow(t: ToolRecord) {
  return {
    provider_id: t.providerId,
    code: t.code,
    name: t.name,
    description: t.description,
    endpoint_path: t.endpointPath,
    http_method: t.httpMethod,
    body_payload_template: t.bodyPayloadTemplate,
    enabled: t.enabled ? 1 : 0,
    is_exportable: t.isExportable ? 1 : 0,
    parameters: JSON.stringify(t.parameters),
    output_schema: t.outputSchema === null ? null : JSON.stringify(t.outputSchema),
    rate_per_minute: t.rateLimit?.perMinute ?? null,
    max_result_tokens: t.maxResultTokens,
    response_fields: t.responseFields === null ? null : JSON.stringify(t.responseFields),
  };
}

function fromRow(r: ToolRow): Tool {
  return {
    id: r.id,
    name: r.name,
    code: r.code,
    description: r.description,
    providerId: r.provider_id,
    providerCode: r.provider_code,
    endpointPath: r.endpoint_path,
    httpMethod: r.http_method as Tool['httpMethod'],
    bodyPayloadTemplate: r.body_payload_template,
    enabled: r.enabled === 1,
    isExportable: r.is_exportable === 1,
    // Rows written before `apiName` or `mcpHeader` existed lack them.
    parameters: (JSON.parse(r.parameters) as Parameter[]).map((p) =>
      p.apiName === undefined || p.mcpHeader === undefined ? { ...p, apiName: p.apiName ?? null, mcpHeader: p.mcpHeader ?? null } : p,
    ),
    outputSchema: r.output_schema === null ? null : (JSON.parse(r.output_schema) as Tool['outputSchema']),
    rateLimit: r.rate_per_minute === null ? null : { perMinute: r.rate_per_minute },
    maxResultTokens: r.max_result_tokens,
    responseFields: r.response_fields === null ? null : (JSON.parse(r.response_fields) as string[]),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
