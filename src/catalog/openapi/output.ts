/**
 * A tool's `outputSchema`: the schema of the first 2xx response with a JSON body, when it describes
 * an object (MCP wants `type: "object"` at the root and sends `structuredContent` only for objects).
 * Cleaned in `output` mode: descriptive, not restrictive (see schema-clean.ts).
 */
import type { JsonSchema } from '../../core/model.js';
import { cleanSchema } from './schema-clean.js';
import { describesObject, pickMedia } from './shapes.js';
import { isRecord } from './util.js';

function firstSuccess(responses: unknown): unknown {
  if (!isRecord(responses)) return undefined;
  const key = Object.keys(responses).find((code) => /^2(\d\d|xx)$/i.test(code));
  return key === undefined ? undefined : responses[key];
}

export function outputSchema(responses: unknown): JsonSchema | null {
  const response = firstSuccess(responses);
  if (!isRecord(response)) return null;
  const picked = pickMedia(response.content);
  if (picked === undefined || !picked.json || !describesObject(picked.media.schema)) return null;
  const schema = cleanSchema(picked.media.schema, 'output');
  return { ...schema, type: 'object' };
}
