/**
 * A base URL still to be set (SPEC §14): an OpenAPI document that names no absolute server imports
 * anyway, with this stand-in, the way a secret left to fill is `<YOUR_API_KEY>`. It is a valid absolute
 * URL, so every check, view and export takes it as it is, and it cannot be called by accident: `.invalid`
 * never resolves (RFC 6761), and the HTTP tools of such a provider answer an isError before building any
 * request. Its path is the document's relative server URL (`/api/v3`), the prefix kept when the user
 * gives the host.
 */
export const UNSET_BASE_URL_HOST = 'base-url-not-set.invalid';
const UNSET_ORIGIN = `https://${UNSET_BASE_URL_HOST}`;

/** The stand-in with `prefix` (a path such as `/api/v3`, or '') kept as its path. */
export function unsetBaseUrl(prefix: string): string {
  const path = prefix.replace(/\/+$/, '');
  return `${UNSET_ORIGIN}${path === '' || path.startsWith('/') ? path : `/${path}`}`;
}

function parse(url: string | null | undefined): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

export function isUnsetBaseUrl(url: string | null | undefined): boolean {
  return parse(url)?.hostname === UNSET_BASE_URL_HOST;
}

/** The path prefix a stand-in keeps ('' when none). */
export function unsetBaseUrlPrefix(url: string): string {
  const path = parse(url)?.pathname ?? '';
  return path === '/' ? '' : path.replace(/\/+$/, '');
}

/**
 * A provider's base URL after a write, given the one written (`next`; the stored one when the write
 * does not give it) and the stored one. Like a secret placeholder, a stand-in never replaces a base URL
 * the user has set (re-importing the same document keeps it); and a bare origin given over a stand-in
 * (`https://host`) gets the stand-in's path prefix (`https://host/api/v3`). A URL with a path of its
 * own is taken as written.
 */
export function mergeBaseUrl(next: string | null, stored: string | null): string | null {
  if (next === null || stored === null || next === stored) return next;
  if (isUnsetBaseUrl(next) && !isUnsetBaseUrl(stored)) return stored;
  if (isUnsetBaseUrl(stored) && !isUnsetBaseUrl(next)) {
    const given = parse(next);
    const prefix = unsetBaseUrlPrefix(stored);
    if (
      given &&
      (given.protocol === 'http:' || given.protocol === 'https:') &&
      (given.pathname === '/' || given.pathname === '') &&
      !given.search &&
      prefix !== ''
    ) {
      return `${given.origin}${prefix}`;
    }
  }
  return next;
}
