import { jsonPath } from '../../core/jsonpath.js';
import { MAX_SEARCHED_DEPTH, MAX_SEARCHED_VALUES, PATH_EXAMPLES, pathProblem } from '../../core/extraction-path.js';
import { tokenError } from './token-error.js';

/**
 * Token extraction by `dynamicAuthTokenExtractionPath`: JSONPath when it starts with `$` (HandsAI's
 * documented form), else a dotted path as its Bluesky example uses (`accessJwt`, `data.token`,
 * `items[0].token`), else the whole body. Messages name the path and the answer's field names only.
 */

/** The token endpoint's answer, parsed once and shared with the lifetime rules. */
export interface TokenAnswer {
  text: string;
  /** The parsed body, or `undefined` when the body is not JSON. */
  json: unknown;
  contentType: string;
}

export function parseAnswer(text: string, contentType: string): TokenAnswer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { text, json, contentType };
}

const PATH_FIX = 'Check dynamicAuthTokenExtractionPath (like $.access_token or data.token).';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Field names help the user write the path; they are names, not values, so they are safe to show. */
function fieldHint(json: unknown): string {
  if (Array.isArray(json)) return ' (the answer is an array)';
  if (typeof json !== 'object' || json === null) return ` (the answer is ${kindOf(json)})`;
  const names = Object.keys(json).filter((key) => /^[\w$.-]{1,40}$/.test(key));
  if (names.length === 0) return ' (the answer has no fields)';
  const shown = names.slice(0, 10).join(', ');
  return ` (its top-level fields: ${shown}${names.length > 10 ? ', …' : ''})`;
}

/**
 * Throws the token error of a JSONPath outside the limits. The token fetch calls it before sending
 * anything (a path that cannot be used is not worth a login), extraction again.
 */
export function assertExtractionPath(providerCode: string, extractionPath: string | null): void {
  const path = extractionPath?.trim() ?? '';
  if (!path.startsWith('$')) return;
  const problem = pathProblem(path);
  if (problem) throw tokenError('extract', providerCode, `dynamicAuthTokenExtractionPath is refused: ${problem}`, PATH_EXAMPLES);
}

/** Whether the answer is small enough for a searching path: counted without recursion, stopping at the limit. */
function tooBigToSearch(json: unknown): string | null {
  const stack: Array<[unknown, number]> = [[json, 0]];
  let count = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (++count > MAX_SEARCHED_VALUES) return `more than ${MAX_SEARCHED_VALUES} values`;
    if (depth > MAX_SEARCHED_DEPTH) return `values nested more than ${MAX_SEARCHED_DEPTH} deep`;
    if (typeof value === 'object' && value !== null) for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return null;
}

const FIRST_FOUND = Symbol('first found');

function byJsonPath(code: string, json: unknown, path: string): unknown {
  const steps = jsonPath().toPathArray(path);
  if (steps.some((step) => step === '..' || step === '*' || step.includes(',') || step.includes(':'))) {
    const size = tooBigToSearch(json);
    if (size) {
      throw tokenError(
        'extract',
        code,
        `the answer has ${size}, too large for a path that searches ("${path}" uses .. or *)`,
        `Use a direct path to the token, like $.data.token.`,
      );
    }
  }
  let found: unknown;
  try {
    // No script evaluation: a path can come from an imported file, and filters would run code here.
    // Only the first match is used, so evaluation stops there.
    jsonPath()({
      path,
      json: json as object,
      wrap: true,
      eval: false,
      callback: (value: unknown) => {
        found = value;
        throw FIRST_FOUND;
      },
    });
  } catch (err) {
    if (err !== FIRST_FOUND) throw tokenError('extract', code, `path "${path}" is not a valid JSONPath (filter scripts are not supported)`, PATH_FIX, err);
  }
  return found;
}

function byDottedPath(code: string, json: unknown, path: string): unknown {
  let current = json;
  for (const segment of path.replace(/^\./, '').split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!match || (match[1] === '' && match[2] === '')) {
      throw tokenError('extract', code, `path "${path}" is not a valid dotted path`, PATH_FIX);
    }
    const keys = [match[1] ?? '', ...(match[2] ?? '').slice(1, -1).split('][')].filter((key) => key !== '');
    for (const key of keys) current = step(current, key);
  }
  return current;
}

function step(current: unknown, key: string): unknown {
  if (Array.isArray(current)) return /^\d+$/.test(key) ? current[Number(key)] : undefined;
  if (typeof current === 'object' && current !== null && Object.hasOwn(current, key)) {
    return (current as Record<string, unknown>)[key];
  }
  return undefined;
}

function asToken(code: string, value: unknown, where: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') {
    throw tokenError('extract', code, `${where} is ${kindOf(value)}, not a string token`, PATH_FIX);
  }
  const token = value.trim();
  if (token === '') throw tokenError('extract', code, `${where} is an empty token`, PATH_FIX);
  return token;
}

function wholeBody(code: string, answer: TokenAnswer): string {
  const { json } = answer;
  if (typeof json === 'string') return asToken(code, json, 'the answer');
  if (typeof json === 'object' && json !== null) {
    throw tokenError(
      'extract',
      code,
      `the answer is JSON${fieldHint(json)} but dynamicAuthTokenExtractionPath is empty`,
      'Set dynamicAuthTokenExtractionPath to the field that holds the token, like $.access_token.',
    );
  }
  return asToken(code, answer.text, 'the answer');
}

/** The token from the answer, or a `TokenFetchError` naming the path and what it found instead. */
export function extractToken(providerCode: string, answer: TokenAnswer, extractionPath: string | null): string {
  const path = extractionPath?.trim() ?? '';
  if (path === '') return wholeBody(providerCode, answer);
  assertExtractionPath(providerCode, path);
  if (answer.json === undefined) {
    const type = answer.contentType.split(';')[0]?.trim() || 'none';
    throw tokenError(
      'parse',
      providerCode,
      `the answer is not valid JSON (content type: ${type})`,
      'Check dynamicAuthUrl, or clear dynamicAuthTokenExtractionPath if the endpoint answers with the bare token.',
    );
  }
  const value = path.startsWith('$') ? byJsonPath(providerCode, answer.json, path) : byDottedPath(providerCode, answer.json, path);
  if (value === undefined) {
    throw tokenError('extract', providerCode, `path "${path}" matched nothing in the answer${fieldHint(answer.json)}`, PATH_FIX);
  }
  return asToken(providerCode, value, `the value at path "${path}"`);
}
