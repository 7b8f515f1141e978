/**
 * Rebuilds an (already dereferenced) OpenAPI schema as plain JSON Schema that the MCP SDK's ajv
 * compiles: a whitelist of keywords, so OpenAPI-only ones (`nullable`, `discriminator`, `xml`,
 * `example`, `x-*`) never reach a client. Cycles left by dereferencing are cut into a stub.
 *
 * Two modes. `input` (parameters) keeps every validation keyword: the arguments are checked against
 * it before a call. `output` (results) keeps the structure only — types, properties, items,
 * composition, titles and descriptions — and drops `required`, `additionalProperties: false`,
 * formats, patterns, enums and bounds, and reads `oneOf` as `anyOf`: API descriptions are often
 * stricter than the answers their APIs really send, and an MCP client rejects a result that does
 * not match the tool's output schema.
 */
import type { JsonSchema } from '../../core/model.js';
import { cleanEnum, cleanRequired, cleanType, copyAnnotations, copyConstraints, copyValueHints, isNullable, isValidRegex } from './schema-keywords.js';
import { isRecord, type Dict } from './util.js';

export type SchemaMode = 'input' | 'output';

interface Context {
  mode: SchemaMode;
  /** The schemas on the path from the root: meeting one again is a cycle. */
  path: Set<object>;
  maxDepth: number;
  /** Estimated size written so far, in characters of JSON, against `budget`. */
  size: number;
  budget: number;
}

/**
 * Dereferenced documents are graphs: written out as trees, shared schemas can multiply without any
 * cycle (Stripe, Microsoft Graph) and tool lists grow past what a client takes in one message. A
 * schema may take about this many characters — GitHub's largest result schema takes 68,000, its
 * largest parameter 6,000 — and one that would not fit is cleaned again with a smaller depth, the
 * deeper levels becoming stubs, so sizes stay bounded and the cut is even across properties.
 */
const BUDGET: Record<SchemaMode, number> = { input: 16_000, output: 48_000 };
const DEPTHS = [40, 12, 8, 6, 4, 3, 2, 1, 0];

const INPUT_ONLY_SUBSCHEMAS = ['not', 'if', 'then', 'else', 'contains', 'propertyNames'];

class OverBudget extends Error {}

export function cleanSchema(schema: unknown, mode: SchemaMode): JsonSchema {
  for (const maxDepth of DEPTHS) {
    try {
      return asObject(walk(schema, { mode, path: new Set(), maxDepth, size: 0, budget: BUDGET[mode] }, 0));
    } catch (err) {
      if (!(err instanceof OverBudget)) throw err;
    }
  }
  return { description: 'Schema too large, not expanded.' };
}

function asObject(out: Dict | boolean): JsonSchema {
  if (out === true) return {};
  if (out === false) return { not: {} };
  return out;
}

function walk(node: unknown, ctx: Context, depth: number): Dict | boolean {
  if (typeof node === 'boolean') return node;
  if (!isRecord(node)) return {};
  ctx.size += 30 + Math.min(String(node.description ?? '').length, 1000) + String(node.title ?? '').length;
  if (ctx.size > ctx.budget) throw new OverBudget();
  if (ctx.path.has(node)) return stub(node, 'Recursive structure, not expanded.');
  if (depth > ctx.maxDepth) return stub(node, 'Nested too deeply, not expanded.');
  ctx.path.add(node);
  try {
    return cleanNode(node, ctx, depth);
  } finally {
    ctx.path.delete(node);
  }
}

/** What stands in for a cycle or a too-deep schema: its type only (an object, usually). */
function stub(node: Dict, note: string): Dict {
  const type = cleanType(node) ?? (isRecord(node.properties) ? 'object' : node.items !== undefined ? 'array' : 'object');
  const title = typeof node.title === 'string' ? `${node.title}. ` : '';
  return { type, description: `${title}${note}` };
}

function cleanNode(node: Dict, ctx: Context, depth: number): Dict {
  const out: Dict = {};
  const type = cleanType(node);
  if (type !== undefined) out.type = type;
  copyAnnotations(node, out);
  if (ctx.mode === 'input') {
    copyConstraints(node, out);
    copyValueHints(node, out);
    const values = cleanEnum(node, type);
    if (values !== undefined) out.enum = values;
    const required = cleanRequired(node.required);
    if (required !== undefined) out.required = required;
  }
  copyObjectKeywords(node, out, ctx, depth);
  copyArrayKeywords(node, out, ctx, depth);
  copyComposition(node, out, ctx, depth);
  // 3.0 `nullable` beside `allOf`/`$ref` and no `type`: null must still be accepted.
  if (isNullable(node) && type === undefined && (out.allOf ?? out.anyOf ?? out.oneOf) !== undefined) {
    const { description, ...rest } = out;
    return { ...(description === undefined ? {} : { description }), anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

function walkMap(value: unknown, ctx: Context, depth: number, keep: (key: string) => boolean = () => true): Dict | undefined {
  if (!isRecord(value)) return undefined;
  const entries = Object.entries(value).filter(([key]) => keep(key));
  return entries.length > 0 ? Object.fromEntries(entries.map(([k, v]) => [k, walk(v, ctx, depth + 1)])) : undefined;
}

/**
 * A property's schema is always an object: MCP's Tool schema refuses a boolean one at the root of an
 * input or output schema (`properties: { additionalProperties: false }` is a common slip for the
 * keyword). `true` is `{}`; `false` forbids the property in inputs and, being descriptive only,
 * says nothing in outputs.
 */
function propertySchema(value: Dict | boolean, mode: SchemaMode): Dict {
  if (value === true || (value === false && mode === 'output')) return {};
  return value === false ? { not: {} } : value;
}

function copyObjectKeywords(node: Dict, out: Dict, ctx: Context, depth: number): void {
  const properties = walkMap(node.properties, ctx, depth);
  if (properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(properties).map(([name, value]) => [name, propertySchema(value as Dict | boolean, ctx.mode)]));
  }
  const patterns = walkMap(node.patternProperties, ctx, depth, isValidRegex);
  if (patterns !== undefined) out.patternProperties = patterns;
  const extra = node.additionalProperties;
  if (isRecord(extra)) out.additionalProperties = walk(extra, ctx, depth + 1);
  else if (typeof extra === 'boolean' && ctx.mode === 'input') out.additionalProperties = extra;
  if (ctx.mode !== 'input') return;
  const dependencies: Dict = {};
  for (const source of [node.dependencies, node.dependentRequired, node.dependentSchemas]) {
    for (const [key, value] of Object.entries(isRecord(source) ? source : {})) {
      const names = cleanRequired(value);
      if (Array.isArray(value)) {
        if (names !== undefined) dependencies[key] = names;
      } else if (isRecord(value) || typeof value === 'boolean') dependencies[key] = walk(value, ctx, depth + 1);
    }
  }
  if (Object.keys(dependencies).length > 0) out.dependencies = dependencies;
}

/** 2020-12 `prefixItems` becomes draft-07's tuple `items`, its `items` then `additionalItems`. */
function copyArrayKeywords(node: Dict, out: Dict, ctx: Context, depth: number): void {
  const tuple = Array.isArray(node.prefixItems) ? node.prefixItems : Array.isArray(node.items) ? node.items : undefined;
  const rest = Array.isArray(node.prefixItems) ? node.items : node.additionalItems;
  if (tuple !== undefined && tuple.length > 0) {
    out.items = tuple.map((item) => walk(item, ctx, depth + 1));
    if ((isRecord(rest) || typeof rest === 'boolean') && ctx.mode === 'input') out.additionalItems = walk(rest, ctx, depth + 1);
  } else if (isRecord(node.items) || typeof node.items === 'boolean') {
    out.items = walk(node.items, ctx, depth + 1);
  }
}

function walkList(value: unknown, ctx: Context, depth: number): Array<Dict | boolean> | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((item) => walk(item, ctx, depth + 1));
}

function copyComposition(node: Dict, out: Dict, ctx: Context, depth: number): void {
  const allOf = walkList(node.allOf, ctx, depth);
  const anyOf = walkList(node.anyOf, ctx, depth);
  const oneOf = walkList(node.oneOf, ctx, depth);
  if (allOf !== undefined) out.allOf = allOf;
  if (anyOf !== undefined) out.anyOf = anyOf;
  if (oneOf !== undefined) {
    if (ctx.mode === 'input') out.oneOf = oneOf;
    else if (anyOf === undefined) out.anyOf = oneOf;
    else out.allOf = [...(allOf ?? []), { anyOf: oneOf }];
  }
  if (ctx.mode !== 'input') return;
  for (const key of INPUT_ONLY_SUBSCHEMAS) {
    const value = node[key];
    if (isRecord(value) || typeof value === 'boolean') out[key] = walk(value, ctx, depth + 1);
  }
}
