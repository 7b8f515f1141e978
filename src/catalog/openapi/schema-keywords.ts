/**
 * The scalar keywords of a schema, checked one by one so that whatever comes out compiles in ajv
 * (draft-07, as the MCP SDK uses it): OpenAPI 3.0 quirks are rewritten, invalid values dropped.
 */
import { boundText, type Dict } from './util.js';

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** The formats ajv-formats knows; any other format is dropped (ajv would warn on every compile). */
const KNOWN_FORMATS = new Set([
  'date',
  'time',
  'date-time',
  'iso-time',
  'iso-date-time',
  'duration',
  'uri',
  'uri-reference',
  'uri-template',
  'url',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'regex',
  'uuid',
  'json-pointer',
  'json-pointer-uri-fragment',
  'relative-json-pointer',
  'byte',
  'int32',
  'int64',
  'float',
  'double',
  'password',
  'binary',
]);

const COUNT_KEYWORDS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];

/** True for OpenAPI 3.0 `nullable` and the Swagger `x-nullable` extension. */
export function isNullable(node: Dict): boolean {
  return node.nullable === true || node['x-nullable'] === true;
}

/** `type` as JSON Schema wants it: valid names only, `file` read as string, 3.0 `nullable` as a union. */
export function cleanType(node: Dict): string | string[] | undefined {
  const raw = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  const types: string[] = [];
  for (const t of raw) {
    const name = t === 'file' ? 'string' : typeof t === 'string' ? t.trim().toLowerCase() : '';
    if (JSON_TYPES.has(name) && !types.includes(name)) types.push(name);
  }
  if (types.length === 0) return undefined;
  if (isNullable(node) && !types.includes('null')) types.push('null');
  return types.length === 1 ? types[0] : types;
}

/** The first non-null type, for the parameter's `type` field. */
export function mainType(type: string | string[] | undefined): string | undefined {
  if (Array.isArray(type)) return type.find((t) => t !== 'null') ?? type[0];
  return type;
}

export function isValidRegex(pattern: unknown): pattern is string {
  if (typeof pattern !== 'string') return false;
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Validation keywords kept in input schemas: bounds, lengths, format, pattern, uniqueness. */
export function copyConstraints(node: Dict, out: Dict): void {
  for (const key of ['minimum', 'maximum']) {
    if (typeof node[key] === 'number' && Number.isFinite(node[key])) out[key] = node[key];
  }
  for (const [key, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const value = node[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    else if (value === true && typeof out[bound] === 'number') {
      out[key] = out[bound]; // OpenAPI 3.0's boolean form, rewritten to the numeric one
      delete out[bound];
    }
  }
  if (typeof node.multipleOf === 'number' && node.multipleOf > 0) out.multipleOf = node.multipleOf;
  for (const key of COUNT_KEYWORDS) {
    const value = node[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) out[key] = value;
  }
  if (typeof node.uniqueItems === 'boolean') out.uniqueItems = node.uniqueItems;
  if (typeof node.format === 'string' && KNOWN_FORMATS.has(node.format)) out.format = node.format;
  if (isValidRegex(node.pattern)) out.pattern = node.pattern;
  for (const key of ['contentMediaType', 'contentEncoding']) {
    if (typeof node[key] === 'string') out[key] = node[key];
  }
}

/**
 * `enum` when non-empty, without duplicates (JSON Schema requires its items unique: ajv refuses the
 * schema otherwise), with `null` added when the type allows it (else a null value would fail).
 */
export function cleanEnum(node: Dict, type: string | string[] | undefined): unknown[] | undefined {
  if (!Array.isArray(node.enum) || node.enum.length === 0) return undefined;
  const seen = new Set<string>();
  const values = node.enum.filter((value: unknown) => {
    const key = JSON.stringify(value) ?? 'undefined';
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (Array.isArray(type) && type.includes('null') && !values.includes(null)) values.push(null);
  return values;
}

export function cleanRequired(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names = [...new Set(value.filter((v): v is string => typeof v === 'string'))];
  return names.length > 0 ? names : undefined;
}

/** Title and description (bounded), read-only/write-only flags: annotations kept in both modes. */
export function copyAnnotations(node: Dict, out: Dict): void {
  if (typeof node.title === 'string' && node.title.trim() !== '') out.title = boundText(node.title, 200);
  if (typeof node.description === 'string' && node.description.trim() !== '') {
    out.description = boundText(node.description, 1000);
  }
  if (typeof node.readOnly === 'boolean') out.readOnly = node.readOnly;
  if (typeof node.writeOnly === 'boolean') out.writeOnly = node.writeOnly;
}

/** Input schemas keep `default`, `const` and examples (3.0's single `example` becomes `examples`). */
export function copyValueHints(node: Dict, out: Dict): void {
  if (node.default !== undefined) out.default = node.default;
  if (node.const !== undefined) out.const = node.const;
  if (Array.isArray(node.examples) && node.examples.length > 0) out.examples = node.examples.slice(0, 3);
  else if (node.example !== undefined) out.examples = [node.example];
}
