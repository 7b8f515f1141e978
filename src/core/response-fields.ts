import { pathProblem } from './extraction-path.js';

/**
 * What an answer may be projected to (SPEC §14: `_fields` on a call, `responseFields` on a tool): one
 * JSONPath or a list of them, each within the limits token extraction has (`pathProblem`: at most one
 * `..`, three wildcards, no filters or scripts), so a projection can never hold the event loop. A dotted
 * path (`items[0].name`) is read as `$.items[0].name`. Checked where they are written and before a call
 * sends anything.
 */
export const MAX_RESPONSE_FIELDS = 20;

export const FIELDS_EXAMPLE = 'Give a JSONPath like "$.items[*].name", or a list like ["$.total", "$.items[*].id"].';

/** The paths as given, normalized to start with `$`; or why they cannot be used (a clause naming the bad path). */
export function readResponseFields(value: unknown): { paths: string[] } | { problem: string } {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== 'string')) {
    return { problem: 'must be a JSONPath string or a non-empty list of them' };
  }
  if (list.length > MAX_RESPONSE_FIELDS) return { problem: `lists ${list.length} paths; at most ${MAX_RESPONSE_FIELDS} are allowed` };
  const paths: string[] = [];
  for (const given of list as string[]) {
    const path = normalizePath(given);
    if (path === '$' && given.trim() !== '$') return { problem: `has an empty path ("${given}")` };
    const problem = pathProblem(path);
    if (problem) return { problem: `has a path that is refused: ${problem}` };
    if (unbalanced(path)) return { problem: `has a path that is not a valid JSONPath: "${given}" (a bracket or quote is not closed)` };
    paths.push(path);
  }
  return { paths };
}

function normalizePath(given: string): string {
  const path = given.trim();
  if (path.startsWith('$')) return path;
  return path.startsWith('[') ? `$${path}` : `$.${path}`;
}

/** jsonpath-plus reads `$.items[` as `$.items`: a path cut short would select more than was meant. */
function unbalanced(path: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (const ch of path) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']' && --depth < 0) return true;
  }
  return depth !== 0 || quote !== null;
}

/** The argument every HTTP tool takes (SPEC §14); never sent to the API. */
export const FIELDS_ARGUMENT = '_fields';

const FIELDS_PROPERTY = deepFreeze({
  description:
    'Optional: JSONPath(s) selecting the parts of the answer to return, e.g. "$.items[*].name" or ["$.total", "$.items[*].id"]. Not sent to the API.',
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_RESPONSE_FIELDS }],
});

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (inner !== null && typeof inner === 'object') deepFreeze(inner);
  return Object.freeze(value);
}

/**
 * A tool's input schema with `_fields` documented, unless the API itself has a parameter of that name (then
 * it is the API's). Adds to `schema` itself, which must be one just built for this tool (a copy of every
 * tool's schema was measurable at a 10,000-tool start); the property is one frozen object all tools share.
 */
export function withFieldsArgument(schema: { properties: Record<string, unknown> }, parameters: readonly { name: string }[]): void {
  if (parameters.some((p) => p.name === FIELDS_ARGUMENT)) return;
  schema.properties[FIELDS_ARGUMENT] = FIELDS_PROPERTY;
}
