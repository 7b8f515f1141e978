import { readPayload } from './payload.js';
import { isSecretStandIn } from './model.js';

// Secrets are write-only: clients send back what they were shown (HandsAI's `generic_text` mask, an
// export's `<YOUR_API_KEY>`). Those stand-ins must never overwrite what is stored.

/** A scalar secret: a blank or stand-in keeps the stored one. */
export function mergeSecret(given: string | null | undefined, stored: string | null): string | null {
  if (given === undefined || given === null || given.trim() === '' || isSecretStandIn(given.trim())) return stored;
  return given;
}

/** A map of secrets given whole replaces the stored map, but stand-in values keep the stored value under their key. */
export function mergeSecretMap(given: Record<string, string>, stored: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) {
    const kept = findKey(stored, key);
    out[key] = isSecretStandIn(value) && kept !== undefined ? kept : value;
  }
  return out;
}

function findKey(map: Record<string, string>, key: string): string | undefined {
  if (key in map) return map[key];
  const lower = key.toLowerCase();
  const match = Object.keys(map).find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : map[match];
}

/**
 * `dynamicAuthPayload` is a JSON object string or a form string `a=b&c=d`; its values are secrets.
 * Given whole, it replaces the stored payload, keeping stored values where a stand-in was sent.
 */
export function mergePayload(given: string | null | undefined, stored: string | null): string | null {
  if (given === undefined || given === null) return stored; // null in a partial update means "not given"
  if (given.trim() === '') return null;
  const storedObject = stored ? parsePayloadObject(stored) : null;
  const givenObject = parsePayloadObject(given);
  if (!givenObject) return given;
  if (!Object.values(givenObject.values).some(isSecretStandIn)) return given;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(givenObject.values)) {
    const kept = storedObject?.values[key];
    out[key] = isSecretStandIn(value) && kept !== undefined ? kept : value;
  }
  return givenObject.form ? new URLSearchParams(Object.entries(out).map(([k, v]): [string, string] => [k, String(v)])).toString() : JSON.stringify(out);
}

/**
 * The payload as an object of values, remembering whether it was form-encoded; null when it is neither
 * a JSON object nor form pairs (the same reader as the token fetch, so what is saved can be sent).
 */
export function parsePayloadObject(payload: string): { values: Record<string, unknown>; form: boolean } | null {
  const read = readPayload(payload);
  return read.ok ? { values: read.value, form: read.form } : null;
}

/** The payload with every value replaced by `mask`, in its own format (for admin responses and exports). */
export function maskPayload(payload: string | null, mask: string): string | null {
  if (payload === null) return null;
  const parsed = parsePayloadObject(payload);
  if (!parsed) return mask;
  const masked = Object.fromEntries(Object.keys(parsed.values).map((k) => [k, mask]));
  return parsed.form ? new URLSearchParams(masked).toString() : JSON.stringify(masked);
}
