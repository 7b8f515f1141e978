import { definitionBytes, estimatedTokens, listedAsMeta } from '../../core/catalog-size.js';
import type { ToolMode } from '../../core/model.js';
import { toolDefinition } from '../../core/tool-definition.js';
import type { Store } from '../../store/index.js';

/** One imported provider's share of an agent's context (SPEC §14), as the import leaves it. */
export interface ProviderCatalogSize {
  provider: string;
  /** The tools this import created, and their estimated tokens in tools/list. */
  toolsAdded: number;
  addedTokens: number;
  /** All the provider's enabled tools after the import, listed one by one. */
  tools: number;
  tokens: number;
  toolMode: ToolMode;
  /** What agents are shown: each tool (`direct`) or the three meta tools (`meta`, `auto` resolved). */
  listedAs: 'direct' | 'meta';
  /**
   * Over TOOLWIRE_AUTO_META_TOKENS: `offered` when the provider lists its tools directly (set toolMode
   * `auto` or `meta` to take it), `applied` when meta or auto already serves them as meta tools; else null.
   */
  metaMode: 'offered' | 'applied' | null;
}

export interface CatalogSize {
  /** TOOLWIRE_AUTO_META_TOKENS, the threshold these were judged by. */
  autoMetaTokens: number;
  /** The estimated tokens of every tool the import created, and of the imported providers' whole lists. */
  addedTokens: number;
  tokens: number;
  providers: ProviderCatalogSize[];
}

export const emptyCatalogSize = (autoMetaTokens: number): CatalogSize => ({ autoMetaTokens, addedTokens: 0, tokens: 0, providers: [] });

/**
 * Measures the imported HTTP providers inside the import's transaction (so a dry run measures too): each
 * enabled tool's definition as the registry lists it, JSON bytes / 4. Runs once per import, never on a
 * call or a small write (the registry keeps its own running totals).
 */
export async function measureImport(
  store: Store,
  providerCodes: readonly string[],
  created: ReadonlySet<string>,
  autoMetaTokens: number,
): Promise<CatalogSize> {
  const size = emptyCatalogSize(autoMetaTokens);
  for (const code of providerCodes) {
    const provider = await store.providers.findByCode(code);
    if (!provider || provider.kind !== 'http') continue;
    let tools = 0;
    let bytes = 0;
    let toolsAdded = 0;
    let addedBytes = 0;
    for (const tool of await store.tools.listByProvider(provider.id)) {
      if (!tool.enabled) continue;
      const toolBytes = definitionBytes(toolDefinition(tool));
      tools++;
      bytes += toolBytes;
      if (created.has(tool.code)) {
        toolsAdded++;
        addedBytes += toolBytes;
      }
    }
    const tokens = estimatedTokens(bytes);
    const meta = listedAsMeta(provider.toolMode, tokens, autoMetaTokens);
    const addedTokens = estimatedTokens(addedBytes);
    size.providers.push({
      provider: code,
      toolsAdded,
      addedTokens,
      tools,
      tokens,
      toolMode: provider.toolMode,
      listedAs: meta ? 'meta' : 'direct',
      metaMode: tokens > autoMetaTokens ? (meta ? 'applied' : 'offered') : null,
    });
    size.addedTokens += addedTokens;
    size.tokens += tokens;
  }
  return size;
}

/** The report's lines about it, for the CLI (stderr). */
export function describeCatalogSize(size: CatalogSize): string[] {
  const lines: string[] = [];
  const n = (value: number) => value.toLocaleString('en-US');
  if (size.providers.length === 0) return lines;
  lines.push(`Catalog size: the tools added cost ~${n(size.addedTokens)} tokens of tools/list (estimated at 4 bytes a token).`);
  for (const p of size.providers) {
    const listed = p.listedAs === 'meta' ? 'listed as 3 meta tools (search, describe, call)' : 'listed one by one';
    lines.push(
      `  ${p.provider}: ${p.toolsAdded} tool(s) added ~${n(p.addedTokens)} tokens; all ${p.tools} ~${n(p.tokens)} tokens, toolMode ${p.toolMode}, ${listed}.`,
    );
    if (p.metaMode === 'offered') {
      lines.push(
        `  ${p.provider} is over TOOLWIRE_AUTO_META_TOKENS (${n(size.autoMetaTokens)}): meta mode is offered, to spare agents' context — toolwire provider update ${p.provider} - <<<'{"toolMode": "auto"}' (or "meta").`,
      );
    } else if (p.metaMode === 'applied') {
      lines.push(`  ${p.provider} is over TOOLWIRE_AUTO_META_TOKENS (${n(size.autoMetaTokens)}): meta mode applied.`);
    }
  }
  return lines;
}
