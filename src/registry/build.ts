import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { httpToolEntry, providerRuntime, type HttpToolDeps, type ProviderRuntime } from '../call/http-tool.js';
import type { Store } from '../store/index.js';
import type { Provider, Tool } from '../store/types.js';
import { annotationsFor, buildInputSchema } from './input-schema.js';
import { metaToolEntries, type MetaOperation } from './meta-tools.js';
import type { RegistrySnapshot, ToolEntry } from './types.js';
import { createValidatorFactory } from './validate-args.js';

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

/** Reads the store once and compiles every enabled tool of every enabled provider. */
export function buildSnapshot(store: Store, deps: HttpToolDeps, sources: readonly ToolSource[], warn: (message: string) => void = () => {}): RegistrySnapshot {
  const { version, providers, tools } = store.read(() => ({
    version: store.registryVersion(),
    providers: store.providers.list(),
    tools: store.tools.list(),
  }));
  const validatorFor = createValidatorFactory();
  const runtimes = new Map<number, ProviderRuntime>();
  const metaOperations = new Map<number, MetaOperation[]>();
  for (const provider of providers) {
    if (!provider.enabled || provider.kind !== 'http') continue;
    runtimes.set(provider.id, providerRuntime(provider));
    if (provider.toolMode === 'meta') metaOperations.set(provider.id, []);
  }
  const entries = new Map<string, ToolEntry>();
  for (const tool of tools) {
    const runtime = runtimes.get(tool.providerId);
    if (!runtime || !tool.enabled) continue;
    const definition = toolDefinition(tool);
    const entry = httpToolEntry(tool, runtime, definition, validatorFor(definition.inputSchema), deps);
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
  const definitions: McpTool[] = [];
  for (const entry of entries.values()) if (!entry.unlisted) definitions.push(entry.definition);
  return { version, entries, definitions };
}
