import { isJsonObject } from './json.js';
/**
 * `dynamicAuthPayload` is stored as a string, as HandsAI does: usually a JSON object, but users also
 * paste the form-encoded `a=b&c=d` they know from curl, so both are accepted — by this one reader, so
 * what is accepted when saved is exactly what the token fetch can send. Its values are secrets: no
 * message here ever quotes the payload (V8's JSON.parse messages do, so they are not passed on).
 */

const FIELD = 'dynamicAuthPayload';
const EXPECTED = 'expected a JSON object as a string, like {"username":"…","password":"…"}, ' + 'or form-encoded pairs, like username=…&password=…';

export type PayloadRead = { ok: true; value: Record<string, unknown>; form: boolean } | { ok: false; problem: string };

function readJson(text: string): PayloadRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: `${FIELD} is not valid JSON: ${EXPECTED}` };
  }
  if (!isJsonObject(value)) return { ok: false, problem: `${FIELD} is JSON but not an object: ${EXPECTED}` };
  return { ok: true, value, form: false };
}

function readForm(text: string): PayloadRead {
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    if (pair.indexOf('=') < 1) return { ok: false, problem: `${FIELD} is neither JSON nor form-encoded pairs: ${EXPECTED}` };
  }
  return { ok: true, value: Object.fromEntries(new URLSearchParams(text)), form: true };
}

/** Blank means "no payload" (a token endpoint that needs none); `{`, `[` or `"` means JSON was meant. */
export function readPayload(raw: string | null): PayloadRead {
  const text = raw?.trim() ?? '';
  if (text === '') return { ok: true, value: {}, form: false };
  if (/^[{["]/.test(text)) return readJson(text);
  return readForm(text);
}
