/**
 * Tool and provider codes: SPEC §3 allows 1–64 of `[A-Za-z0-9_.-]`, and a tool code is the MCP tool
 * name, so it must also be unique within the import. Titles and descriptions are bounded here too.
 */
import { boundText } from './util.js';

const MAX_CODE = 64;

/** Any run of characters outside the allowed set becomes one `_`; edges are trimmed. */
export function sanitizeCode(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[_.-]+|[_.-]+$/g, '')
    .slice(0, MAX_CODE)
    .replace(/[_.-]+$/, '');
}

/** `get /repos/{owner}/{repo}/issues` → `get_repos_owner_repo_issues`. */
export function codeFromRoute(method: string, path: string): string {
  return sanitizeCode(`${method.toLowerCase()}_${path.replace(/[{}]/g, '').replace(/\//g, '_')}`) || method.toLowerCase();
}

/** Hands out unique codes: a repeated code gets `_2`, `_3`… (the base cut so the whole fits 64). */
export class CodeAllocator {
  private readonly used = new Set<string>();

  take(code: string): string {
    let candidate = code;
    for (let n = 2; this.used.has(candidate); n++) {
      const suffix = `_${n}`;
      candidate = `${code.slice(0, MAX_CODE - suffix.length)}${suffix}`;
    }
    this.used.add(candidate);
    return candidate;
  }
}

/** Provider code from a title: `Swagger Petstore` → `swagger-petstore`. */
export function codeFromTitle(title: string): string {
  return sanitizeCode(title.toLowerCase().replace(/['’`]/g, '').replace(/\s+/g, '-')).replace(/_/g, '-').replace(/-{2,}/g, '-') || 'openapi';
}

export interface OperationText {
  summary?: string | undefined;
  description?: string | undefined;
  deprecated: boolean;
}

export function toolTitle(text: OperationText, code: string): string {
  const summary = text.summary?.trim();
  return summary ? boundText(summary, 200) : code;
}

/** Summary then description (without repeating the summary), bounded to about 1,000 characters. */
export function toolDescription(text: OperationText, route: string): string {
  const summary = text.summary?.trim() ?? '';
  const description = text.description?.trim() ?? '';
  const parts = summary !== '' && description.startsWith(summary) ? [description] : [summary, description];
  const body = parts.filter((part) => part !== '').join('\n\n') || route;
  return boundText(text.deprecated ? `Deprecated. ${body}` : body, 1000);
}
