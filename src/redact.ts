/**
 * Scrubs secrets out of text that leaves toolwire: tool results (an upstream may echo a credential
 * back), error messages and log lines. Each secret is matched as written and in the forms it takes
 * on the way out (URL-encoded, JSON-escaped, Basic-encoded).
 */
export type Redactor = (text: string) => string;

export const REDACTED = '[REDACTED]';
/** Shorter values (a "1", a "yes") would scrub ordinary words; they are not credentials worth hiding. */
const MIN_SECRET_LENGTH = 4;

export function secretVariants(secret: string): string[] {
  const variants = new Set<string>([secret]);
  variants.add(encodeURIComponent(secret));
  variants.add(new URLSearchParams({ s: secret }).toString().slice(2));
  variants.add(JSON.stringify(secret).slice(1, -1));
  if (secret.includes(':')) variants.add(Buffer.from(secret).toString('base64'));
  return [...variants];
}

export function createRedactor(secrets: Iterable<string | null | undefined>): Redactor {
  const all = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    for (const variant of secretVariants(secret)) if (variant.length >= MIN_SECRET_LENGTH) all.add(variant);
  }
  const ordered = [...all].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of ordered) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    return out;
  };
}

/** Combines redactors (a provider's static secrets and its current dynamic token). */
export function chainRedactors(...redactors: Redactor[]): Redactor {
  return (text) => redactors.reduce((acc, redact) => redact(acc), text);
}

const CREDENTIAL_HEADER = /authorization|cookie|token|key|secret|password|signature|auth/i;

/** A header whose name says it carries a credential; Accept or User-Agent values are configuration. */
export function isCredentialHeaderName(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}
