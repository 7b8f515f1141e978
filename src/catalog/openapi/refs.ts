/**
 * `$ref` checks made before dereferencing: external references are refused (toolwire never reads
 * other files or the network), and local references to nothing are neutralised so that one broken
 * pointer in a large document does not sink the whole import.
 */
import { ToolwireError } from '../../core/errors.js';
import { isRecord, type Dict } from './util.js';

const BUNDLE_HINT =
  'toolwire reads one self-contained document and never fetches other files or URLs: bundle it first ' +
  '(for example `npx @redocly/cli bundle openapi.yaml -o bundled.yaml`)';

/** Resolves a local JSON pointer (`#/components/schemas/Pet`) in the document, or undefined. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (ref === '#') return doc;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    let token = raw;
    try {
      token = decodeURIComponent(raw);
    } catch {
      /* keep the raw token: some documents do not percent-encode their pointers */
    }
    token = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isRecord(node) && Object.hasOwn(node, token)) node = node[token];
    else return undefined;
  }
  return node;
}

/**
 * Throws INVALID_INPUT on the first external `$ref`; replaces local `$ref`s whose target does not
 * exist by an empty schema and returns those refs (for one warning line).
 */
export function checkRefs(doc: Dict): string[] {
  const broken = new Set<string>();
  const known = new Map<string, boolean>();
  const seen = new Set<object>();
  const stack: Array<{ node: object; path: string }> = [{ node: doc, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const ref = isRecord(node) ? node.$ref : undefined;
    if (typeof ref === 'string') {
      if (!ref.startsWith('#')) {
        throw new ToolwireError('INVALID_INPUT', `External $ref "${ref}" at ${path || '/'} is not supported: ${BUNDLE_HINT}.`);
      }
      let exists = known.get(ref);
      if (exists === undefined) known.set(ref, (exists = resolvePointer(doc, ref) !== undefined));
      if (!exists) {
        broken.add(ref);
        delete (node as Dict).$ref;
      }
    }
    for (const [key, child] of Object.entries(node)) {
      if (typeof child === 'object' && child !== null) stack.push({ node: child, path: `${path}/${key}` });
    }
  }
  return [...broken];
}
