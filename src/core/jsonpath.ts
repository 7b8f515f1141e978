import { createRequire } from 'node:module';
import type { JSONPath as JsonPathFunction } from 'jsonpath-plus';

let loaded: typeof JsonPathFunction | null = null;

/**
 * jsonpath-plus, required on its first use (a path checked, a token extracted, an answer projected)
 * rather than imported at start: a stdio server lists its tools before any of these. Synchronous (a
 * CommonJS require), because its users are.
 */
export function jsonPath(): typeof JsonPathFunction {
  loaded ??= (createRequire(import.meta.url)('jsonpath-plus') as typeof import('jsonpath-plus')).JSONPath;
  return loaded;
}
