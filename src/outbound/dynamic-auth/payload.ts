import { ToolwireError } from '../../core/errors.js';

/**
 * `dynamicAuthPayload` is stored as a string, as HandsAI does: usually a JSON object, but users also paste
 * the form-encoded `a=b&c=d` they know from curl, so both are accepted. Its values are secrets: no
 * message here ever quotes the payload (V8's JSON.parse messages do, so they are not passed on).
 */

const FIELD = 'dynamicAuthPayload';
const EXPECTED =
  'expected a JSON object as a string, like {"username":"…","password":"…"}, ' +
  'or form-encoded pairs, like username=…&password=…';

type Read = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(text: string): Read {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: `${FIELD} is not valid JSON: ${EXPECTED}` };
  }
  if (!isPlainObject(value)) return { ok: false, problem: `${FIELD} is JSON but not an object: ${EXPECTED}` };
  return { ok: true, value };
}

function readForm(text: string): Read {
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    if (pair.indexOf('=') < 1) {
      return { ok: false, problem: `${FIELD} is neither JSON nor form-encoded pairs: ${EXPECTED}` };
    }
  }
  return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
}

/** Blank means "no payload" (a token endpoint that needs none); `{`, `[` or `"` means JSON was meant. */
function readPayload(raw: string | null): Read {
  const text = raw?.trim() ?? '';
  if (text === '') return { ok: true, value: {} };
  if (/^[{["]/.test(text)) return readJson(text);
  return readForm(text);
}

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
