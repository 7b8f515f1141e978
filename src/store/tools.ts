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

/** Tool rows; parameters live in a JSON column because they are always read and written whole. */
export class ToolRepository {
  private readonly statements;

  constructor(database: OpenDatabase) {
    const db = database.sqlite;
    this.statements = {
      all: db.prepare(`${SELECT} ORDER BY t.id`),
      byProvider: db.prepare(`${SELECT} WHERE t.provider_id = ? ORDER BY t.id`),
      byId: db.prepare(`${SELECT} WHERE t.id = ?`),
      byCode: db.prepare(`${SELECT} WHERE t.code = ?`),
      insert: db.prepare(`INSERT INTO tools (provider_id, code, name, description, endpoint_path, http_method,
        body_payload_template, enabled, is_exportable, parameters, output_schema, rate_per_minute, max_result_tokens, response_fields, created_at, updated_at)
        VALUES (@provider_id, @code, @name, @description, @endpoint_path, @http_method, @body_payload_template,
        @enabled, @is_exportable, @parameters, @output_schema, @rate_per_minute, @max_result_tokens, @response_fields, @now, @now)`),
      update: db.prepare(`UPDATE tools SET provider_id = @provider_id, code = @code, name = @name,
        description = @description, endpoint_path = @endpoint_path, http_method = @http_method,
        body_payload_template = @body_payload_template, enabled = @enabled, is_exportable = @is_exportable,
        parameters = @parameters, output_schema = @output_schema, rate_per_minute = @rate_per_minute,
        max_result_tokens = @max_result_tokens, response_fields = @response_fields, updated_at = @now WHERE id = @id`),
      remove: db.prepare('DELETE FROM tools WHERE id = ?'),
      seq: db.prepare(`SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'tool_seq'`).pluck(),
      changedSince: db.prepare(`${SELECT} WHERE t.revision > ? ORDER BY t.id`),
      removedSince: db.prepare('SELECT id FROM tools_removed WHERE revision > ?').pluck(),
    };
  }

  /** The tool change counter: every insert, update or delete of a tool takes the next value. */
  changeSeq(): number {
    return Number(this.statements.seq.get());
  }

  /** Tools inserted or changed after change `seq`, and the ids of those removed after it (index scans). */
  changesSince(seq: number): { changed: Tool[]; removed: number[] } {
    return {
      changed: (this.statements.changedSince.all(seq) as ToolRow[]).map(fromRow),
      removed: this.statements.removedSince.all(seq) as number[],
    };
  }

  list(): Tool[] {
    return (this.statements.all.all() as ToolRow[]).map(fromRow);
  }

  listByProvider(providerId: number): Tool[] {
    return (this.statements.byProvider.all(providerId) as ToolRow[]).map(fromRow);
  }

  findById(id: number): Tool | undefined {
    const row = this.statements.byId.get(id) as ToolRow | undefined;
    return row && fromRow(row);
  }

  findByCode(code: string): Tool | undefined {
    const row = this.statements.byCode.get(code) as ToolRow | undefined;
    return row && fromRow(row);
  }

  insert(record: ToolRecord): Tool {
    const info = this.statements.insert.run({ ...toRow(record), now: new Date().toISOString() });
    return this.findById(Number(info.lastInsertRowid)) as Tool;
  }

  update(id: number, record: ToolRecord): Tool {
    this.statements.update.run({ ...toRow(record), id, now: new Date().toISOString() });
    return this.findById(id) as Tool;
  }

  remove(id: number): boolean {
    return this.statements.remove.run(id).changes > 0;
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
