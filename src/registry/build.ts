import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { httpToolEntry, providerRuntime, type HttpToolDeps, type ProviderRuntime } from '../call/http-tool.js';
import type { Store } from '../store/index.js';
import type { Provider, Tool } from '../store/types.js';
import { annotationsFor, buildInputSchema } from './input-schema.js';
import { metaToolEntries, type MetaOperation } from './meta-tools.js';
import type { RegistrySnapshot, ToolEntry } from './types.js';
import { createValidatorFactory, type ArgumentValidator, type ValidatorFactory } from './validate-args.js';

/** Contributes tools that are not plain HTTP tools (meta mode, upstream MCP servers). */
export interface ToolSource {
  entries(providers: readonly Provider[], tools: readonly Tool[]): ToolEntry[];
}

export function toolDefinition(tool: Tool): McpTool {
  const definition: McpTool = {
    name: tool.code,
    title: tool.name,
    description: tool.description ?? tool.name,
    inputSchema: buildInputSchema(tool.parameters) as McpTool['inputSchema'],
    annotations: annotationsFor(tool.httpMethod, tool.name),
  };
  if (tool.outputSchema) definition.outputSchema = tool.outputSchema as McpTool['outputSchema'];
  return definition;
}

/**
 * What a rebuild can reuse from the last one: per tool (by id and revision) its row, definition and
 * validator; per provider (by its whole content) its runtime; per tool, its entry while neither changed.
 * A small write then costs the changed tools, not all of them.
 */
export interface BuildCache {
  readonly validators: ValidatorFactory;
  readonly tools: Map<number, { revision: number; tool: Tool; definition: McpTool; validate: ArgumentValidator }>;
  readonly runtimes: Map<number, { fingerprint: string; runtime: ProviderRuntime }>;
  readonly entries: Map<number, { runtime: ProviderRuntime; definition: McpTool; entry: ToolEntry }>;
}

export function createBuildCache(): BuildCache {
  return { validators: createValidatorFactory(), tools: new Map(), runtimes: new Map(), entries: new Map() };
}

/** Reads the store once (a consistent snapshot) and compiles what changed since the cache was filled. */
export function buildSnapshot(
  store: Store,
  deps: HttpToolDeps,
  sources: readonly ToolSource[],
  warn: (message: string) => void = () => {},
  cache: BuildCache = createBuildCache(),
): RegistrySnapshot {
  const { version, providers, tools } = store.read(() => ({
    version: store.registryVersion(),
    providers: store.providers.list(),
    tools: readTools(store, cache),
  }));
  // A renamed provider leaves its tools' rows (and revisions) as they were; their cached providerCode is fixed here.
  const codes = new Map(providers.map((p) => [p.id, p.code]));
  for (const tool of tools) {
    const code = codes.get(tool.providerId);
    if (code !== undefined && tool.providerCode !== code) tool.providerCode = code;
  }
  const runtimes = new Map<number, ProviderRuntime>();
  const metaOperations = new Map<number, MetaOperation[]>();
  for (const provider of providers) {
    if (!provider.enabled || provider.kind !== 'http') continue;
    runtimes.set(provider.id, runtimeFor(provider, cache));
    if (provider.toolMode === 'meta') metaOperations.set(provider.id, []);
  }
  for (const id of cache.runtimes.keys()) if (!runtimes.has(id)) cache.runtimes.delete(id);
  const entries = new Map<string, ToolEntry>();
  const live = new Set<number>();
  for (const tool of tools) {
    const runtime = runtimes.get(tool.providerId);
    if (!runtime || !tool.enabled) continue;
    const entry = entryFor(tool, runtime, deps, cache);
    live.add(tool.id);
    const meta = metaOperations.get(tool.providerId);
    if (meta) meta.push({ tool, entry });
    else entries.set(tool.code, entry);
  }
  for (const [providerId, operations] of metaOperations) {
    for (const entry of metaToolEntries(runtimes.get(providerId)!.provider, operations)) entries.set(entry.definition.name, entry);
  }
  for (const source of sources) {
    for (const entry of source.entries(providers, tools)) {
      // A name already taken (an HTTP tool `gh__search` and upstream "gh"'s `search`) keeps its first
      // owner: a call must never silently go somewhere else.
      if (entries.has(entry.definition.name)) {
        if (!entry.unlisted) warn(`Two tools are named "${entry.definition.name}": the one registered first is served; rename a provider or tool to reach the other.`);
        continue;
      }
      entries.set(entry.definition.name, entry);
    }
  }
  for (const id of cache.entries.keys()) if (!live.has(id)) cache.entries.delete(id);
  const definitions: McpTool[] = [];
  for (const entry of entries.values()) if (!entry.unlisted) definitions.push(entry.definition);
  return { version, entries, definitions };
}

/** Every tool row, parsing only those whose revision the cache has not seen; forgets tools that are gone. */
function readTools(store: Store, cache: BuildCache): Tool[] {
  const stamps = store.tools.stamps();
  const stale = stamps.filter((s) => cache.tools.get(s.id)?.revision !== s.revision);
  // Many changes (the first build, a big import): one scan beats a lookup per row.
  const fresh = stale.length > 64 ? new Map(store.tools.list().map((t) => [t.id, t])) : null;
  for (const { id, revision } of stale) {
    const tool = fresh ? fresh.get(id) : store.tools.findById(id);
    if (!tool) continue;
    const old = cache.tools.get(id);
    if (old) cache.validators.release(old.definition.inputSchema);
    const definition = toolDefinition(tool);
    cache.tools.set(id, { revision, tool, definition, validate: cache.validators(definition.inputSchema) });
  }
  const present = new Set(stamps.map((s) => s.id));
  for (const [id, old] of cache.tools) {
    if (present.has(id)) continue;
    cache.validators.release(old.definition.inputSchema);
    cache.tools.delete(id);
  }
  return stamps.map((s) => cache.tools.get(s.id)?.tool).filter((t): t is Tool => t !== undefined);
}

/** A provider's runtime (its secrets' redactor), reused while the provider is unchanged. */
function runtimeFor(provider: Provider, cache: BuildCache): ProviderRuntime {
  const fingerprint = JSON.stringify(provider);
  const cached = cache.runtimes.get(provider.id);
  if (cached?.fingerprint === fingerprint) return cached.runtime;
  const runtime = providerRuntime(provider);
  cache.runtimes.set(provider.id, { fingerprint, runtime });
  return runtime;
}

/** A tool's entry, reused while neither the tool nor its provider changed (it keeps its request plan). */
function entryFor(tool: Tool, runtime: ProviderRuntime, deps: HttpToolDeps, cache: BuildCache): ToolEntry {
  const compiled = cache.tools.get(tool.id)!;
  const cached = cache.entries.get(tool.id);
  if (cached && cached.runtime === runtime && cached.definition === compiled.definition) return cached.entry;
  const entry = httpToolEntry(tool, runtime, compiled.definition, compiled.validate, deps);
  cache.entries.set(tool.id, { runtime, definition: compiled.definition, entry });
  return entry;
}
