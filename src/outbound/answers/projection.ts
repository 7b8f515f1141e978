import { jsonPath } from '../../core/jsonpath.js';
import type { JsonSchema } from '../../core/model.js';

/**
 * `_fields` (SPEC §14): the answer pruned to what the paths select, in its own shape — `$.items[*].name`
 * on `{"items": [{"name": "a", "id": 1}], "total": 1}` gives `{"items": [{"name": "a"}]}` — so the agent
 * still reads where each value came from. Arrays keep the selected items, in order. Members an outputSchema
 * requires (at each level it describes) are kept, so structuredContent stays valid against it.
 * Paths were checked before the request went (`readResponseFields`: no filters, bounded fan-out).
 */
const WHOLE = true;
type Selection = typeof WHOLE | Map<string, Selection>;

export interface Projected {
  value: unknown;
  /** How many values the paths matched in all. */
  matched: number;
}

export function project(value: unknown, paths: readonly string[], schema: JsonSchema | null): Projected {
  const root = new Map<string, Selection>();
  let matched = 0;
  let whole = false;
  for (const path of paths) {
    const pointers = jsonPath()({ path, json: value as object, resultType: 'pointer', eval: false, wrap: true }) as string[];
    for (const pointer of pointers) {
      matched++;
      if (pointer === '') whole = true;
      else select(root, pointer.slice(1).split('/').map(unescapePointer));
    }
  }
  if (whole) return { value, matched };
  return { value: materialize(value, root, schema), matched };
}

function select(root: Map<string, Selection>, steps: string[]): void {
  let node = root;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as string;
    const existing = node.get(step);
    if (existing === WHOLE) return;
    if (i === steps.length - 1) {
      node.set(step, WHOLE);
      return;
    }
    let next = existing;
    if (next === undefined) node.set(step, (next = new Map()));
    node = next;
  }
}

function materialize(value: unknown, selection: Selection, schema: JsonSchema | null): unknown {
  if (selection === WHOLE || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = schemaOf(schema, 'items');
    const indexes = [...selection.keys()].map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < value.length);
    return indexes.sort((a, b) => a - b).map((i) => materialize(value[i], selection.get(String(i)) as Selection, items));
  }
  const object = value as Record<string, unknown>;
  const properties = schemaOf(schema, 'properties') as Record<string, JsonSchema> | null;
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(object)) {
    const chosen = selection.get(name);
    if (chosen !== undefined) out[name] = materialize(object[name], chosen, (properties?.[name] as JsonSchema | undefined) ?? null);
    else if (required.has(name)) out[name] = object[name];
  }
  return out;
}

function schemaOf(schema: JsonSchema | null, key: 'items' | 'properties'): JsonSchema | null {
  const found = schema?.[key];
  return found !== null && typeof found === 'object' && !Array.isArray(found) ? (found as JsonSchema) : null;
}

function unescapePointer(step: string): string {
  return step.replace(/~1/g, '/').replace(/~0/g, '~');
}
