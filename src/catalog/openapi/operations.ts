/**
 * Lists every operation of the document in document order — the supported methods and the others
 * alike, so that each one ends up either as a tool or in `skipped` with a reason.
 */
import type { HttpMethod } from '../../core/model.js';
import { asRecord, isRecord, type Dict } from './util.js';

const METHOD_KEYS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'query']);
const SUPPORTED = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export interface RawOperation {
  /** Upper case, as written (HEAD, OPTIONS, TRACE and others included). */
  method: string;
  path: string;
  pathItem: Dict;
  operation: Dict;
}

export function listOperations(doc: Dict): RawOperation[] {
  const out: RawOperation[] = [];
  for (const [path, item] of Object.entries(asRecord(doc.paths))) {
    if (!isRecord(item)) continue;
    for (const [key, operation] of Object.entries(item)) {
      if (METHOD_KEYS.has(key) && isRecord(operation)) out.push({ method: key.toUpperCase(), path, pathItem: item, operation });
    }
    // OpenAPI 3.2: methods beyond the fixed ones; listed so they are reported as skipped.
    for (const [method, operation] of Object.entries(asRecord(item.additionalOperations))) {
      if (isRecord(operation)) out.push({ method: method.toUpperCase(), path, pathItem: item, operation });
    }
  }
  return out;
}

export function supportedMethod(method: string): HttpMethod | undefined {
  return SUPPORTED.has(method) ? (method as HttpMethod) : undefined;
}
