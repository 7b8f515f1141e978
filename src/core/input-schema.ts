import type { HttpMethod, JsonSchema, Parameter, ParameterType } from './model.js';

const JSON_TYPES: Record<ParameterType, string> = {
  STRING: 'string',
  NUMBER: 'number',
  INTEGER: 'integer',
  BOOLEAN: 'boolean',
  OBJECT: 'object',
  ARRAY: 'array',
};

/**
 * A HandsAI default is stored as a string; as an argument it must have the parameter's type.
 * A default that cannot be read as that type stays a string (and validation will say so).
 */
export function typedDefault(param: Parameter): unknown {
  const raw = param.defaultValue;
  if (raw === null || raw === undefined) return undefined;
  switch (param.type) {
    case 'NUMBER':
    case 'INTEGER': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    }
    case 'BOOLEAN':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'OBJECT':
    case 'ARRAY':
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

function propertySchema(param: Parameter): JsonSchema {
  const schema: JsonSchema = param.schema ? { ...param.schema } : { type: JSON_TYPES[param.type] };
  if (!param.schema && param.type === 'ARRAY') schema.items = {};
  if (param.description) schema.description = param.description;
  if (param.enum && param.enum.length > 0) schema.enum = param.enum;
  const fallback = typedDefault(param);
  if (fallback !== undefined) schema.default = fallback;
  if (param.mcpHeader) schema['x-mcp-header'] = param.mcpHeader;
  return schema;
}

/** The tool's MCP `inputSchema`, built from its parameters. */
export function buildInputSchema(parameters: Parameter[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const param of parameters) {
    properties[param.name] = propertySchema(param);
    if (param.required && param.defaultValue === null) required.push(param.name);
  }
  const schema: JsonSchema = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) schema.required = required;
  return schema;
}

/** MCP tool annotations, from what the HTTP method promises. */
export function annotationsFor(method: HttpMethod, title: string) {
  return {
    title,
    readOnlyHint: method === 'GET',
    destructiveHint: method === 'DELETE',
    idempotentHint: method === 'GET' || method === 'PUT' || method === 'DELETE',
    openWorldHint: true,
  };
}
