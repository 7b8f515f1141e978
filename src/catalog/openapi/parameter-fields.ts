/**
 * Builds one import parameter from a raw schema: the whole schema is kept (cleaned for ajv) and the
 * flat HandsAI fields (`type`, `enum`, `defaultValue`) are read from it for clients that ignore it.
 */
import type { JsonSchema, ParameterLocation, ParameterType } from '../../core/model.js';
import { cleanSchema } from './schema-clean.js';
import { mainType } from './schema-keywords.js';
import type { ImportParameter } from './types.js';
import { boundText } from './util.js';

const TYPE_OF: Record<string, ParameterType> = {
  string: 'STRING',
  number: 'NUMBER',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  object: 'OBJECT',
  array: 'ARRAY',
};

function declaredType(schema: JsonSchema): ParameterType | undefined {
  const declared = mainType(schema.type as string | string[] | undefined);
  if (declared !== undefined && TYPE_OF[declared] !== undefined) return TYPE_OF[declared];
  if (schema.properties !== undefined) return 'OBJECT';
  if (schema.items !== undefined) return 'ARRAY';
  const values = schema.const !== undefined ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : [];
  const kinds = new Set(values.filter((v) => v !== null).map((v) => typeof v));
  if (kinds.size === 1) return ({ string: 'STRING', number: 'NUMBER', boolean: 'BOOLEAN' } as const)[[...kinds][0] as 'string'];
  // Composed schemas: `allOf` takes any member's type, `anyOf`/`oneOf` one all members share.
  const typeOf = (member: unknown): ParameterType | undefined =>
    typeof member === 'object' && member !== null ? declaredType(member as JsonSchema) : undefined;
  const allOf = Array.isArray(schema.allOf) ? schema.allOf.map(typeOf) : [];
  const fromAll = allOf.find((t) => t !== undefined);
  if (fromAll !== undefined) return fromAll;
  const alternatives = [schema.anyOf, schema.oneOf].find(Array.isArray)?.map(typeOf) ?? [];
  const first = alternatives[0];
  return first !== undefined && alternatives.every((t) => t === first) ? first : undefined;
}

/** STRING when the schema says nothing usable (untyped, or alternatives of different types). */
export function parameterType(schema: JsonSchema): ParameterType {
  return declaredType(schema) ?? 'STRING';
}

function enumOf(schema: JsonSchema): Array<string | number | boolean> | null {
  if (!Array.isArray(schema.enum)) return null;
  const values = schema.enum.filter((v): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
  return values.length > 0 ? values : null;
}

function defaultOf(schema: JsonSchema): string | null {
  const value = schema.default;
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface ParameterSource {
  name: string;
  location: ParameterLocation;
  /** The raw (dereferenced) OpenAPI schema; undefined when the document gives none. */
  schema: unknown;
  description?: string | undefined;
  required: boolean;
}

export function makeParameter(source: ParameterSource): ImportParameter {
  const schema = source.schema === undefined ? null : cleanSchema(source.schema, 'input');
  const described = source.description ?? (typeof schema?.description === 'string' ? schema.description : undefined);
  // The schema is meant to stand alone as the argument's schema: it carries the description too.
  if (schema !== null && schema.description === undefined && described !== undefined && described.trim() !== '') {
    schema.description = boundText(described, 1000);
  }
  return {
    name: source.name,
    type: schema === null ? 'STRING' : parameterType(schema),
    description: described === undefined || described.trim() === '' ? null : boundText(described, 1000),
    required: source.required,
    defaultValue: schema === null ? null : defaultOf(schema),
    location: source.location,
    enum: schema === null ? null : enumOf(schema),
    schema,
  };
}
