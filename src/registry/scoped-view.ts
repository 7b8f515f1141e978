import type { Tool as McpTool } from '@modelcontextprotocol/server';
import type { CallContext, Invoke, RegistrySnapshot, ToolEntry, ToolScope } from './types.js';

/** The tools one caller may see and call, and the scope that tools reaching other tools (meta mode) apply. */
export interface ToolView {
  readonly entries: ReadonlyMap<string, ToolEntry>;
  /** In the snapshot's stable order. */
  readonly definitions: readonly McpTool[];
  /** Absent when everything is in scope (the owner, an unscoped client). */
  readonly scope?: ToolScope;
  /** How its entries are run (the registry's call observer, SPEC §12); absent: straight. */
  readonly invoke?: Invoke;
}

/** Runs a tool call the way the view says: every path that answers tools/call comes through here. */
export function invokeTool(view: ToolView, entry: ToolEntry, args: Record<string, unknown>, context: CallContext) {
  return view.invoke ? view.invoke(entry, args, context) : entry.invoke(args, context);
}

const views = new WeakMap<RegistrySnapshot, Map<string, ToolView>>();

/**
 * The snapshot as a caller with `scope` sees it (SPEC §11): a tool out of scope is missing from the
 * list and unknown to a call, exactly like a tool that does not exist. Worked out once per snapshot
 * and scope (`key` names the scope), so a call costs a map lookup, not a filter over every tool. A meta
 * tool is shown when one of the operations it reaches is in scope; it then offers only those.
 */
export function scopedView(snapshot: RegistrySnapshot, key: string, scope: ToolScope | null): ToolView {
  if (scope === null) return snapshot;
  let byKey = views.get(snapshot);
  if (!byKey) views.set(snapshot, (byKey = new Map()));
  let view = byKey.get(key);
  if (!view) {
    const entries = new Map<string, ToolEntry>();
    const everyone: Array<[string, ToolEntry]> = [];
    for (const [name, entry] of snapshot.entries) {
      if (entry.forEveryCaller) {
        everyone.push([name, entry]);
        continue;
      }
      const visible = scope(entry.providerCode, name) || (entry.reaches?.some((code) => scope(entry.providerCode, code)) ?? false);
      if (visible) entries.set(name, entry);
    }
    if (entries.size > 0) for (const [name, entry] of everyone) entries.set(name, entry);
    view = { entries, definitions: snapshot.definitions.filter((d) => entries.has(d.name)), scope, ...(snapshot.invoke ? { invoke: snapshot.invoke } : {}) };
    byKey.set(key, view);
  }
  return view;
}
