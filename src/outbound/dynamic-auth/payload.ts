import { ToolwireError } from '../../core/errors.js';
import { readPayload } from '../../core/payload.js';

const FIELD = 'dynamicAuthPayload';

/** Form fields, query parameters and headers carry strings: numbers and booleans as written, objects as JSON. */
function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The problem with a payload, or null when it is usable. For input validation (admin, CLI, import),
 * so a bad payload is refused when it is saved rather than when a tool is first called.
 */
export function validateDynamicAuthPayload(raw: string | null): string | null {
  const read = readPayload(raw);
  return read.ok ? null : read.problem;
}

function readOrThrow(raw: string | null): Record<string, unknown> {
  const read = readPayload(raw);
  if (!read.ok) throw new ToolwireError('INVALID_INPUT', read.problem, [{ field: FIELD, message: read.problem }]);
  return read.value;
}

/** The payload as string fields, for the wire formats that only carry strings (form, query, headers). */
export function parseDynamicAuthPayload(raw: string | null): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(readOrThrow(raw))) fields[key] = stringify(value);
  return fields;
}

/**
 * The payload as a JSON object, for JSON bodies: numbers, booleans and nested objects are sent as
 * written (token endpoints such as OpenStack Keystone want nested bodies). Form input gives strings.
 */
export function parseDynamicAuthPayloadObject(raw: string | null): Record<string, unknown> {
  return readOrThrow(raw);
}
