import type { Tool as McpTool } from '@modelcontextprotocol/server';
import type { Store } from '../store/index.js';
import type { HttpProvider, Provider, Tool } from '../core/model.js';
import { DEFAULT_AUTO_META_TOKENS, definitionBytes, estimatedTokens, listedAsMeta } from '../core/catalog-size.js';
import { toolDefinition } from '../core/tool-definition.js';
import { metaToolEntries, type MetaOperation } from './meta-tools.js';
import type { HttpToolFactory, ProviderRuntime, RegistrySnapshot, ToolEntry } from './types.js';
import { createValidatorFactory, type ArgumentValidator, type ValidatorFactory } from './validate-args.js';

/** Contributes tools that are not plain HTTP tools (meta mode, upstream MCP servers). */
export interface ToolSource {
  /** Reads what `entries` will need from the database, inside the build's read transaction (entries itself reads nothing). */
  read?(): Promise<void>;
  entries(providers: readonly Provider[]): ToolEntry[];
}

export { toolDefinition };

/** What a build is told besides the store: the threshold of `toolMode: "auto"` (SPEC §14). */
export interface BuildOptions {
  /** TOOLWIRE_AUTO_META_TOKENS: an auto provider whose tools would cost more tokens listed one by one is served as meta tools. */
  autoMetaTokens?: number;
}

/**
 * What a rebuild can reuse from the last one: per tool its row, definition and
 * validator; per provider (by its whole content) its runtime; per tool, its entry while neither changed.
 * A small write then costs the changed tools, not all of them.
 */
/**
 * A tool as the cache keeps it. `bytes`: its definition's JSON size, measured the first time a
 * `toolMode: "auto"` provider needs it (then kept with the definition), never for other providers — the
 * measure costs ~90 ms at a cold start with 10,000 tools, which direct and meta providers need not pay.
 */
interface CompiledTool {
  tool: Tool;
  definition: McpTool;
  validate: ArgumentValidator;
  bytes: number | null;
}

export interface BuildCache {
  readonly validators: ValidatorFactory;
  /** The tool change counter the cached tools are current with; -1 before the first build. */
  seq: number;
  /** By id, in id order (ids only grow, so new tools come last). */
  readonly tools: Map<number, CompiledTool>;
  readonly runtimes: Map<number, { fingerprint: string; runtime: ProviderRuntime }>;
  readonly entries: Map<number, { runtime: ProviderRuntime; definition: McpTool; entry: ToolEntry }>;
  /** The last snapshot built from plain HTTP tools only, which a small change can patch instead of rebuilding. */
  last: PatchableSnapshot | null;
}

/** A snapshot of HTTP tools only (no meta provider, no source entries): its entries are in tool-id order. */
interface PatchableSnapshot {
  readonly entries: Map<string, ToolEntry>;
  /** The code each listed tool id is served under, and the highest such id. */
  readonly codes: Map<number, string>;
  readonly maxId: number;
  readonly runtimes: ReadonlyMap<number, ProviderRuntime>;
}

/** What `readTools` found changed since the last build; null for a full read. */
interface ToolDelta {
  changed: Tool[];
  removed: number[];
}

export function createBuildCache(): BuildCache {
  return { validators: createValidatorFactory(), seq: -1, tools: new Map(), runtimes: new Map(), entries: new Map(), last: null };
}

/**
 * Reads the store once (a consistent snapshot) and compiles what changed since the cache was filled.
 * A build that fails part way leaves the cache able only to rebuild in full, so the changes it had
 * read are not lost to the next attempt.
 */
export async function buildSnapshot(
  store: Store,
  factory: HttpToolFactory,
  sources: readonly ToolSource[],
  warn: (message: string) => void = () => {},
  cache: BuildCache = createBuildCache(),
  options: BuildOptions = {},
  /** The call path's indexes (Registry.addIndex), loaded in the same read as the tools. */
  indexes: ReadonlyArray<() => Promise<unknown>> = [],
): Promise<RegistrySnapshot> {
  try {
    return await build(store, factory, sources, warn, cache, options.autoMetaTokens ?? DEFAULT_AUTO_META_TOKENS, indexes);
  } catch (err) {
    cache.last = null;
    throw err;
  }
}

async function build(
  store: Store,
  factory: HttpToolFactory,
  sources: readonly ToolSource[],
  warn: (message: string) => void,
  cache: BuildCache,
  autoMetaTokens: number,
  indexLoaders: ReadonlyArray<() => Promise<unknown>>,
): Promise<RegistrySnapshot> {
  const { version, providers, read, indexes } = await store.read(async () => {
    const version = await store.registryVersion();
    const providers = await store.providers.list();
    const read = await readTools(store, cache);
    const indexes: unknown[] = [];
    for (const load of indexLoaders) indexes.push(await load());
    for (const source of sources) await source.read?.();
    return { version, providers, read, indexes };
  });
  const { delta } = read;
  const runtimes = new Map<number, ProviderRuntime>();
  const metaOperations = new Map<number, MetaOperation[]>();
  for (const provider of providers) {
    if (!provider.enabled || provider.kind !== 'http') continue;
    runtimes.set(provider.id, runtimeFor(provider, factory, cache));
    // An auto provider is worked out again at every build: a write that moves it across the threshold flips it (and tools/list_changed follows).
    const tokens = provider.toolMode === 'auto' ? estimatedTokens(listedBytes(cache, provider.id)) : 0; // measured for auto providers only
    if (listedAsMeta(provider.toolMode, tokens, autoMetaTokens)) metaOperations.set(provider.id, []);
  }
  for (const id of cache.runtimes.keys()) if (!runtimes.has(id)) cache.runtimes.delete(id);
  const sourceEntries = sources.flatMap((source) => source.entries(providers));
  if (metaOperations.size === 0 && sourceEntries.length === 0) {
    const patched = patchSnapshot(cache, delta, runtimes, factory);
    if (patched) return { version, ...patched, indexes };
  }
  cache.last = null;
  const tools = read.tools();
  // (A full build.) A renamed provider leaves its tools' rows (and revisions) as they were; their cached providerCode is fixed here.
  const codes = new Map(providers.map((p) => [p.id, p.code]));
  for (const tool of tools) {
    const code = codes.get(tool.providerId);
    if (code !== undefined && tool.providerCode !== code) tool.providerCode = code;
  }
  const entries = new Map<string, ToolEntry>();
  const live = new Set<number>();
  for (const tool of tools) {
    const runtime = runtimes.get(tool.providerId);
    if (!runtime || !tool.enabled) continue;
    const entry = entryFor(tool, runtime, factory, cache);
    live.add(tool.id);
    const meta = metaOperations.get(tool.providerId);
    if (meta) meta.push({ tool, entry });
    else entries.set(tool.code, entry);
  }
  for (const [providerId, operations] of metaOperations) {
    for (const entry of metaToolEntries(runtimes.get(providerId)!.provider, operations)) entries.set(entry.definition.name, entry);
  }
  for (const entry of sourceEntries) {
    // A name already taken (an HTTP tool `gh__search` and upstream "gh"'s `search`) keeps its first
    // owner: a call must never silently go somewhere else.
    if (entries.has(entry.definition.name)) {
      if (!entry.unlisted)
        warn(`Two tools are named "${entry.definition.name}": the one registered first is served; rename a provider or tool to reach the other.`);
      continue;
    }
    entries.set(entry.definition.name, entry);
  }
  // Companions (toolwire_read_more) come with HTTP tools; the patched snapshot keeps them in its entry map.
  if (runtimes.size > 0) {
    for (const entry of factory.companions ?? []) {
      if (entries.has(entry.definition.name))
        warn(`A tool is named "${entry.definition.name}", which toolwire reserves: rename it so answers that are cut can be read.`);
      else entries.set(entry.definition.name, entry);
    }
  }
  for (const id of cache.entries.keys()) if (!live.has(id)) cache.entries.delete(id);
  if (metaOperations.size === 0 && sourceEntries.length === 0) rememberForPatching(cache, tools, entries, runtimes);
  return { version, entries, definitions: listed(entries), indexes };
}

/** The listed tools in a stable order, by name (SPEC §10): pages and caches stay valid across changes elsewhere in the list. */
function listed(entries: ReadonlyMap<string, ToolEntry>): McpTool[] {
  const definitions: McpTool[] = [];
  for (const entry of entries.values()) if (!entry.unlisted) definitions.push(entry.definition);
  return definitions.sort(byName);
}

const byName = (a: McpTool, b: McpTool): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function rememberForPatching(cache: BuildCache, tools: readonly Tool[], entries: Map<string, ToolEntry>, runtimes: ReadonlyMap<number, ProviderRuntime>): void {
  const codes = new Map<number, string>();
  let maxId = 0;
  for (const tool of tools) {
    if (!cache.entries.has(tool.id) || entries.get(tool.code) !== cache.entries.get(tool.id)!.entry) continue;
    codes.set(tool.id, tool.code);
    maxId = Math.max(maxId, tool.id);
  }
  cache.last = { entries, codes, maxId, runtimes };
}

/**
 * The last snapshot with a few tools changed, patched (a write to one tool of 10,000 then costs one
 * entry, not 10,000). Only when the result is what a full build would give: every provider as before,
 * no tool renamed, and a tool that newly appears has the highest id (it goes last). Null, with nothing
 * changed, when a full build is needed. The entry map is patched in place — copying 10,000 entries is
 * the cost this avoids — so snapshots share it; it changes only here, synchronously, between two
 * snapshots, and a reader of the old snapshot would only see the newer entries.
 */
function patchSnapshot(
  cache: BuildCache,
  delta: ToolDelta | null,
  runtimes: ReadonlyMap<number, ProviderRuntime>,
  factory: HttpToolFactory,
): Omit<RegistrySnapshot, 'version'> | null {
  const last = cache.last;
  if (!last || !delta || !sameRuntimes(last.runtimes, runtimes)) return null;
  // First decide, changing nothing; then apply.
  const removed = new Set(delta.removed);
  let maxId = last.maxId;
  for (const tool of delta.changed) {
    const code = last.codes.get(tool.id);
    if (code !== undefined && code !== tool.code) return null; // renamed: its place in the listing changes
    if (code !== undefined || !runtimes.has(tool.providerId) || !tool.enabled) continue;
    if (tool.id < maxId) return null; // (re-)appears in the middle of the listing
    const holder = last.entries.get(tool.code);
    if (holder !== undefined) return null; // a name clash: the full build decides
    maxId = tool.id;
  }
  const { entries, codes } = last;
  const drop = (id: number) => {
    const code = codes.get(id);
    if (code !== undefined) entries.delete(code);
    codes.delete(id);
    cache.entries.delete(id);
  };
  for (const id of removed) drop(id);
  for (const tool of delta.changed) {
    const runtime = runtimes.get(tool.providerId);
    if (runtime === undefined || !tool.enabled) {
      drop(tool.id);
      continue;
    }
    entries.set(tool.code, entryFor(tool, runtime, factory, cache));
    codes.set(tool.id, tool.code);
  }
  cache.last = { entries, codes, maxId, runtimes };
  return { entries, definitions: listed(entries) };
}

function sameRuntimes(a: ReadonlyMap<number, ProviderRuntime>, b: ReadonlyMap<number, ProviderRuntime>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, runtime] of a) if (b.get(id) !== runtime) return false;
  return true;
}

/**
 * Every tool row: the first time all of them, afterwards only those changed or removed since the cache's
 * change counter (two index scans), so a write to one tool of 10,000 reads one row.
 */
async function readTools(store: Store, cache: BuildCache): Promise<{ tools: () => Tool[]; delta: ToolDelta | null }> {
  const seq = await store.tools.changeSeq();
  let delta: ToolDelta | null = { changed: [], removed: [] };
  if (seq !== cache.seq) {
    const { changed, removed } = cache.seq < 0 ? { changed: await store.tools.list(), removed: [] } : await store.tools.changesSince(cache.seq);
    delta = cache.seq < 0 ? null : { changed, removed };
    for (const id of removed) forget(cache, id);
    for (const tool of changed) {
      // Set in place (a changed tool keeps its position; a new one has the highest id: AUTOINCREMENT).
      const old = cache.tools.get(tool.id);
      if (old) cache.validators.release(old.definition.inputSchema);
      const definition = toolDefinition(tool);
      cache.tools.set(tool.id, { tool, definition, validate: cache.validators(definition.inputSchema), bytes: null });
    }
    cache.seq = seq;
  }
  // The whole list only for a full build: a patch needs just the delta.
  return { tools: () => Array.from(cache.tools.values(), (c) => c.tool), delta };
}

function forget(cache: BuildCache, id: number): void {
  const old = cache.tools.get(id);
  if (!old) return;
  cache.validators.release(old.definition.inputSchema);
  cache.tools.delete(id);
}

/**
 * What listing a provider's enabled tools one by one costs in JSON bytes (`toolMode: "auto"`): a sum over
 * the cache, each tool measured once and kept with its definition, so a build never serializes the whole
 * catalog again — only the tools that changed since.
 */
function listedBytes(cache: BuildCache, providerId: number): number {
  let total = 0;
  for (const compiled of cache.tools.values()) {
    if (compiled.tool.providerId !== providerId || !compiled.tool.enabled) continue;
    compiled.bytes ??= definitionBytes(compiled.definition);
    total += compiled.bytes;
  }
  return total;
}

/** A provider's runtime (its secrets' redactor), reused while the provider is unchanged. */
function runtimeFor(provider: HttpProvider, factory: HttpToolFactory, cache: BuildCache): ProviderRuntime {
  const fingerprint = JSON.stringify(provider);
  const cached = cache.runtimes.get(provider.id);
  if (cached?.fingerprint === fingerprint) return cached.runtime;
  const runtime = factory.runtime(provider);
  cache.runtimes.set(provider.id, { fingerprint, runtime });
  return runtime;
}

/** A tool's entry, reused while neither the tool nor its provider changed (it keeps its request plan). */
function entryFor(tool: Tool, runtime: ProviderRuntime, factory: HttpToolFactory, cache: BuildCache): ToolEntry {
  const compiled = cache.tools.get(tool.id)!;
  const cached = cache.entries.get(tool.id);
  if (cached && cached.runtime === runtime && cached.definition === compiled.definition) return cached.entry;
  const entry = factory.entry(tool, runtime, compiled.definition, compiled.validate);
  cache.entries.set(tool.id, { runtime, definition: compiled.definition, entry });
  return entry;
}
