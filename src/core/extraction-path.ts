import { jsonPath } from './jsonpath.js';

/**
 * Limits that keep extraction cheap whatever the path and the answer (issue 10: `$..*..*..*` on a
 * nested answer held the event loop for 22 s). Each recursive descent (`..`) multiplies the work by
 * the size of the answer, each wildcard or union member by the width of a level, and a parent step
 * (`^`) can revisit a node once per child: so at most one `..`, at most three wildcards, slices and
 * union members together, no `^`, no filters or scripts. Paths that search (`..`, `*`) run only on
 * answers of at most 10,000 values nested at most 64 deep; direct paths (`$.data.token`) on any answer.
 */
const MAX_PATH_CHARS = 256;
const MAX_RECURSIVE_DESCENTS = 1;
const MAX_FANOUT = 3;
export const MAX_SEARCHED_VALUES = 10_000;
export const MAX_SEARCHED_DEPTH = 64;

export const PATH_EXAMPLES = 'Use a direct path like $.access_token or data.token, or one search like $..access_token.';

/** Why a path is refused, as a clause without the fix; null when it is acceptable. */
export function pathProblem(path: string): string | null {
  if (path.length > MAX_PATH_CHARS) return `the path is ${path.length} characters long, more than ${MAX_PATH_CHARS}`;
  if (!path.startsWith('$')) {
    const bad = path
      .replace(/^\./, '')
      .split('.')
      .find((segment) => !/^([^[\]]*)((?:\[\d+\])*)$/.test(segment) || segment === '');
    return bad === undefined ? null : `"${path}" is not a valid dotted path`;
  }
  let steps: string[];
  try {
    steps = jsonPath().toPathArray(path).slice(1);
  } catch {
    return `"${path}" is not a valid JSONPath`;
  }
  if (steps.some((step) => /^\??\(/.test(step))) return `"${path}" uses a filter or script expression (?(…) or (…)), which is not supported`;
  if (steps.includes('^')) return `"${path}" uses the parent operator (^), which is not supported`;
  const descents = steps.filter((step) => step === '..').length;
  if (descents > MAX_RECURSIVE_DESCENTS) {
    return `"${path}" uses recursive descent (..) ${descents} times; at most ${MAX_RECURSIVE_DESCENTS} is allowed, as each one multiplies the work by the size of the answer`;
  }
  const fanout = steps.reduce(
    (sum, step) => sum + (step === '*' || /^-?\d*:-?\d*(:-?\d*)?$/.test(step) ? 1 : step.includes(',') ? step.split(',').length : 0),
    0,
  );
  if (fanout > MAX_FANOUT) {
    return `"${path}" has ${fanout} wildcards, slices and union members; at most ${MAX_FANOUT} are allowed`;
  }
  return null;
}

/**
 * Whether `dynamicAuthTokenExtractionPath` can be used: null when it can, else a one-paragraph message
 * naming the field and the fix. For validation on provider create/update and import; the token fetch
 * checks again before sending anything.
 */
export function checkExtractionPath(path: string | null | undefined): string | null {
  const issue = extractionPathIssue(path);
  return issue ? `dynamicAuthTokenExtractionPath ${issue}` : null;
}

/** The same as a field issue's message (`is refused: …`), for lists that name the field themselves. */
export function extractionPathIssue(path: string | null | undefined): string | null {
  const trimmed = path?.trim() ?? '';
  if (trimmed === '') return null;
  const problem = pathProblem(trimmed);
  return problem ? `is refused: ${problem}. ${PATH_EXAMPLES}` : null;
}
