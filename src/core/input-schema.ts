import type { HttpMethod, JsonSchema, Parameter, ParameterType } from './model.js';

const JSON_TYPES: Record<ParameterType, string> = {
  STRING: 'string',
  NUMBER: 'number',
  INTEGER: 'integer',
  BOOLEAN: 'boolean',
  OBJECT: 'object',
  ARRAY: 'array',
};

/** What a stored default is as an argument: the parameter's type, or nothing (see `typedDefault`). */
type ReadDefault = { value: unknown } | { problem: string } | null;

function readDefault(param: Pick<Parameter, 'type' | 'defaultValue' | 'enum'>): ReadDefault {
  const raw = param.defaultValue;
  // HandsAI writes "" for "no default": a blank default is none, for every type.
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  let value: unknown = raw;
  switch (param.type) {
    case 'NUMBER':
    case 'INTEGER': {
      const n = Number(raw);
      if (!Number.isFinite(n) || (param.type === 'INTEGER' && !Number.isInteger(n)))
        return { problem: `is not ${param.type === 'INTEGER' ? 'an integer' : 'a number'}` };
      value = n;
      break;
    }
    case 'BOOLEAN': {
      const word = raw.trim().toLowerCase();
      if (word !== 'true' && word !== 'false') return { problem: 'is not true or false' };
      value = word === 'true';
      break;
    }
    case 'OBJECT':
    case 'ARRAY': {
      try {
        value = JSON.parse(raw);
      } catch {
        return { problem: `is not JSON` };
      }
      const isArray = Array.isArray(value);
      if (param.type === 'ARRAY' ? !isArray : isArray || value === null || typeof value !== 'object') {
        return { problem: `is not a JSON ${param.type === 'ARRAY' ? 'array' : 'object'}` };
      }
      break;
    }
  }
  if (param.enum && param.enum.length > 0 && !param.enum.includes(String(value)))
    return { problem: `is not one of its enum values (${param.enum.join(', ')})` };
  return { value };
}

/**
 * A HandsAI default is stored as a string; as an argument it must have the parameter's type. None —
 * undefined — when it is blank (HandsAI's "no default") or cannot be read as that type: a tool never
 * offers an agent a default of the wrong type, nor sends one.
 */
export function typedDefault(param: Parameter): unknown {
  const read = readDefault(param);
  return read !== null && 'value' in read ? read.value : undefined;
}

/** Whether the agent must give the argument: required, and no usable default fills it in. */
export function isRequiredArgument(param: Parameter): boolean {
  return param.required && typedDefault(param) === undefined;
}

/** Why a non-blank default is not one of the parameter's type (`"true?" is not true or false`), or null. */
export function defaultProblem(param: Pick<Parameter, 'type' | 'defaultValue' | 'enum'>): string | null {
  const read = readDefault(param);
  return read !== null && 'problem' in read ? `${JSON.stringify(param.defaultValue?.slice(0, 40))} ${read.problem}` : null;
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
    if (isRequiredArgument(param)) required.push(param.name);
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
