/**
 * Scrubs secrets out of text that leaves toolwire: tool results (an upstream may echo a credential
 * back), error messages and log lines. Each secret is matched in every form it plausibly takes on the
 * way back: on its own or after its auth scheme (`Bearer X` → `X`), as a Basic pair and its password,
 * in any letter case, JSON-escaped, URL-encoded (once or twice), base64, base64url or hex. A JSON
 * answer is redacted in its parsed strings (`redactJsonText`), so no escaping can hide a secret. A
 * redactor is built once per set of secrets (per provider, per dynamic token), never per call.
 */
export type Redactor = (text: string) => string;

export const REDACTED = '[REDACTED]';
/** Shorter values (a "1", a "yes") would scrub ordinary words; they are not credentials worth hiding. */
const MIN_SECRET_LENGTH = 4;
/**
 * The part after an unknown scheme (`Foo abc`) may be an ordinary word of a passphrase with a space;
 * it is hidden on its own only when it is long enough to be a token.
 */
const MIN_UNKNOWN_SCHEME_TOKEN = 8;
/** Auth schemes seen in front of a token in Authorization-like values (compared lower-cased). */
const KNOWN_SCHEMES = new Set(['bearer', 'token', 'basic', 'bot', 'apikey', 'api-key', 'key', 'jwt', 'oauth', 'sso-key', 'ssws', 'digest', 'dpop', 'mac']);

/**
 * The plain forms of a secret that must never be shown: the value, the token after an auth scheme,
 * and for a `user:pass` pair (given as is or base64-encoded) the pair and the password on its own.
 */
export function secretParts(secret: string): string[] {
  const parts = new Set<string>();
  const add = (value: string, min = MIN_SECRET_LENGTH) => {
    if (value.length >= min) parts.add(value);
  };
  const value = secret.trim();
  add(value);
  const tokens = [value];
  const schemed = /^([A-Za-z][\w.~+/-]*)\s+(\S+)$/.exec(value);
  if (schemed) {
    const token = schemed[2] as string;
    add(token, KNOWN_SCHEMES.has((schemed[1] as string).toLowerCase()) ? MIN_SECRET_LENGTH : MIN_UNKNOWN_SCHEME_TOKEN);
    tokens.push(token);
  }
  for (const token of tokens) {
    for (const pair of [token, decodedBasicPair(token)]) {
      if (pair === null) continue;
      const colon = pair.indexOf(':');
      if (colon < 0) continue;
      add(pair);
      add(pair.slice(colon + 1));
    }
  }
  return [...parts];
}

/** A token that is the base64 of a printable `user:pass` (a Basic value stored already encoded). */
function decodedBasicPair(token: string): string | null {
  if (token.length < 8 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(token)) return null;
  const decoded = Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
  return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(decoded) ? decoded : null;
}

/**
 * The written forms of one plain part: as is, URL-encoded once and twice (percent and form style),
 * JSON-escaped (canonical, with `\/`, with non-ASCII as `\uXXXX`), and base64, base64url (unpadded:
 * a prefix of the padded form, so both match) and hex, the base64 also URL-encoded.
 */
export function secretVariants(part: string): string[] {
  const bytes = Buffer.from(part, 'utf8');
  const json = JSON.stringify(part).slice(1, -1);
  const form = new URLSearchParams({ s: part }).toString().slice(2);
  const base64 = bytes.toString('base64').replace(/=+$/, '');
  const variants = new Set([
    part,
    encodeURIComponent(part),
    encodeURIComponent(encodeURIComponent(part)),
    form,
    encodeURIComponent(form),
    json,
    json.replaceAll('/', '\\/'),
    json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    base64,
    encodeURIComponent(base64),
    bytes.toString('base64url'),
    bytes.toString('hex'),
  ]);
  for (const shifted of embeddedBase64(bytes)) {
    variants.add(shifted);
    variants.add(shifted.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...variants];
}

/** Shorter than this, a piece of base64 could turn up in any long encoded text by chance. */
const MIN_EMBEDDED_BASE64 = 8;

/**
 * The base64 characters that encode `bytes` wherever they sit inside a longer encoded text (a
 * `Authorization: Bearer X` header echoed as base64): 0, 1 or 2 bytes past a 3-byte boundary, without
 * the characters that also depend on the neighbouring bytes at either end.
 */
function embeddedBase64(bytes: Buffer): string[] {
  const out: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const lead = [0, 2, 3][offset] as number;
    const trail = (offset + bytes.length) % 3 === 0 ? 0 : 1;
    const middle = encoded.slice(lead, encoded.length - trail);
    if (middle.length >= MIN_EMBEDDED_BASE64) out.push(middle);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * One RegExp source matching any of `forms`, as a trie (`ab(?:c|d)` rather than `abc|abd`): the
 * engine then tests each character of the text once per branch point, not once per form. Where a
 * form ends inside a longer one the rest is optional and greedy, so the longest form wins. Built from
 * the sorted forms by their common prefixes (no node per character), recursing only at branch points.
 */
function trieSource(forms: Iterable<string>): string {
  const render = (list: string[], depth: number): string => {
    const ends = list[0]?.length === depth;
    const branches: string[] = [];
    for (let i = ends ? 1 : 0; i < list.length; ) {
      let j = i + 1;
      while (j < list.length && list[j]![depth] === list[i]![depth]) j++;
      const first = list[i]!;
      const last = list[j - 1]!;
      let common = depth + 1;
      while (common < first.length && first[common] === last[common]) common++;
      branches.push(escapeRegExp(first.slice(depth, common)) + render(list.slice(i, j), common));
      i = j;
    }
    if (branches.length === 0) return '';
    const body = branches.length === 1 ? (branches[0] as string) : `(?:${branches.join('|')})`;
    return ends ? `(?:${body})?` : body;
  };
  return render([...new Set(forms)].sort(), 0);
}

/** Forms longer than this (a long token's hex) are matched on their own: V8 refuses a RegExp past a size. */
const MAX_PATTERN_FORM = 2048;

/**
 * A redactor for a fixed set of secrets, built once: one case-insensitive RegExp of every form (an
 * upper-cased echo, `%2f` for `%2F`, upper-case hex) that scans a text in a single pass. A very long
 * form (or a set too large for one RegExp) is matched as written, lower- and upper-cased. Building
 * one is cheap (the RegExp is compiled by V8 on first use): providers never called cost little.
 */
export function createRedactor(secrets: Iterable<string | null | undefined>): Redactor {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.trim().length < MIN_SECRET_LENGTH) continue;
    for (const part of secretParts(secret)) for (const variant of secretVariants(part)) if (variant.length >= MIN_SECRET_LENGTH) forms.add(variant);
  }
  if (forms.size === 0) return (text) => text;
  const long = [...forms].filter((form) => form.length > MAX_PATTERN_FORM);
  const short = [...forms].filter((form) => form.length <= MAX_PATTERN_FORM);
  const literals = (list: string[]) => [...new Set(list.flatMap((form) => [form, form.toLowerCase(), form.toUpperCase()]))].sort((a, b) => b.length - a.length);
  let pattern: RegExp | null = short.length > 0 ? new RegExp(trieSource(short), 'gi') : null;
  let literal = literals(long);
  return (text) => {
    let out = text;
    if (pattern) {
      try {
        out = text.replace(pattern, REDACTED);
      } catch {
        // V8 compiles a RegExp on first use and refuses one too large: every form is then matched on its own.
        pattern = null;
        literal = literals([...forms]);
      }
    }
    for (const form of literal) if (out.includes(form)) out = out.replaceAll(form, REDACTED);
    return out;
  };
}

/** Combines redactors (a provider's static secrets and its current dynamic token). */
export function chainRedactors(...redactors: Redactor[]): Redactor {
  return (text) => redactors.reduce((acc, redact) => redact(acc), text);
}

/** A JSON escape sequence: `\uXXXX` or a short one (`\/`, `\"`, `\n`…); `\\` is taken first, as a pair. */
const JSON_ESCAPE = /\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))/g;
const SHORT_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
/** JSON inside a JSON string is escaped twice; three levels of decoding cover that with one to spare. */
const MAX_UNESCAPE_LEVELS = 3;

function unescapeJson(text: string): string {
  return text.replace(JSON_ESCAPE, (_, code: string | undefined, short: string | undefined) =>
    code ? String.fromCharCode(parseInt(code, 16)) : (SHORT_ESCAPES[short as string] as string),
  );
}

/**
 * A text with every secret masked, also where JSON escaping hides one (`sk\u002dlive`, `a\/b`, an
 * escaped JSON document inside a string). Such a text is decoded escape by escape and, only when the
 * decoded text holds a secret, shown decoded and masked; otherwise it is returned as written.
 */
export function redactText(text: string, redact: Redactor): string {
  const out = redact(text);
  let decoded = text;
  for (let level = 0; level < MAX_UNESCAPE_LEVELS && decoded.includes('\\'); level++) {
    const next = unescapeJson(decoded);
    if (next === decoded) break;
    const masked = redact(next);
    if (masked !== next) return masked;
    decoded = next;
  }
  return out;
}

/**
 * A parsed JSON value with every string (object keys included) masked, and a number that spells a
 * secret replaced by the mask. Returns the same value when nothing was hidden.
 */
export function redactValue(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redactText(value, redact);
  if (typeof value === 'number') {
    const text = String(value);
    return text.length >= MIN_SECRET_LENGTH && redact(text) !== text ? REDACTED : value;
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = redactValue(item, redact);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => {
      const nextKey = redactText(key, redact);
      const next = redactValue(item, redact);
      if (nextKey !== key || next !== item) changed = true;
      return [nextKey, next] as const;
    });
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}

/**
 * A JSON text made safe to show, with its parsed value. When no form of a secret appears in it, even
 * once its escapes are decoded, the text is kept exactly as the API wrote it (formatting and large
 * numbers intact). Otherwise the parsed value is masked string by string (keys too) and the text
 * rendered again from it, so the text and the structured value agree and no escaping (`\/`,
 * `\u002d`) can carry a secret past the mask. `null` when the text is not JSON.
 */
export function redactJsonText(raw: string, redact: Redactor): { text: string; value: unknown } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (redactText(raw, redact) === raw) return { text: raw, value: parsed };
  const value = redactValue(parsed, redact);
  const rendered = JSON.stringify(value, null, raw.includes('\n') ? 2 : undefined);
  // A secret spread over several tokens (`a":"b`) is in no single string; it is masked in the text.
  return { text: redactText(rendered, redact), value };
}

/**
 * Whether raw bytes (an image, a blob) hold a secret in any of its forms. Checked as Latin-1 (byte
 * for byte: any ASCII secret) and as UTF-8 (a secret with other characters).
 */
export function bytesContainSecret(bytes: Buffer, redact: Redactor): boolean {
  const latin1 = bytes.toString('latin1');
  if (redactText(latin1, redact) !== latin1) return true;
  const utf8 = bytes.toString('utf8');
  return redactText(utf8, redact) !== utf8;
}

const CREDENTIAL_HEADER = /authorization|cookie|token|key|secret|password|signature|auth/i;

/** A header whose name says it carries a credential; Accept or User-Agent values are configuration. */
export function isCredentialHeaderName(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

const CONFIGURATION_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent']);

/**
 * A custom header known to carry configuration, not a secret: Accept, Accept-Language, Content-Type,
 * User-Agent and API versions (`X-GitHub-Api-Version`, `Anthropic-Version`). Only these are exported
 * as they are and left unmasked in results; every other custom header value is treated as a secret,
 * whatever its name (`X-Passphrase`).
 */
export function isConfigurationHeader(name: string): boolean {
  const lower = name.trim().toLowerCase();
  if (isCredentialHeaderName(lower)) return false;
  return CONFIGURATION_HEADERS.has(lower) || lower.endsWith('-version');
}
