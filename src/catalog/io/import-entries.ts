import { duplicate } from '../duplicate.js';
import { resolveProvider } from '../resolve-provider.js';
import { withoutCredentialSlot } from '../credential-slot.js';
import { resolveTool } from '../resolve-tool.js';
import { LOCKED_RULES, type ProviderWriteRules } from '../write-rules.js';
import type { ImportEntry } from '../schemas.js';
import { codeFromName } from '../codes.js';
import { ToolwireError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import type { ToolRecord } from '../../store/tools.js';
import type { Tool } from '../../core/model.js';
import { updateProviderRecord } from '../provider-update.js';
import { DEFAULT_AUTO_META_TOKENS } from '../../core/catalog-size.js';
import { emptyCatalogSize, type CatalogSize } from './catalog-size.js';

export interface ImportReport {
  /** `droppedSecrets`: per provider code, the stored secrets dropped because the file moved its host. */
  providers: { created: string[]; updated: string[]; droppedSecrets: Record<string, string[]> };
  /** `unchanged`: listed in the file and identical to what is stored (not rewritten). */
  tools: { created: string[]; updated: string[]; unchanged: string[]; removed: string[] };
  /** What was imported other than as written (a default of the wrong type dropped), one sentence each. */
  notes: string[];
  /** The estimated tokens of the tools added, per provider and in total, and where meta mode is offered or applied (SPEC §14). */
  catalogSize: CatalogSize;
}

export interface ImportOptions {
  /** Remove tools of an imported provider that the file does not list (OpenAPI `--prune`). */
  prune?: boolean;
  /** Check and report everything, write nothing. */
  dryRun?: boolean;
  /** Who imports (default: locked, as over HTTP): no entry may then result in a new stdio command. */
  rules?: ProviderWriteRules;
}

export const emptyImportReport = (autoMetaTokens = DEFAULT_AUTO_META_TOKENS): ImportReport => ({
  providers: { created: [], updated: [], droppedSecrets: {} },
  tools: { created: [], updated: [], unchanged: [], removed: [] },
  notes: [],
  catalogSize: emptyCatalogSize(autoMetaTokens),
});

/** Whether an upsert would change nothing (so a re-import does not rewrite or rebuild it). */
function sameTool(record: ToolRecord, current: Tool): boolean {
  const view = (t: ToolRecord | Tool) =>
    JSON.stringify([
      t.providerId,
      t.code,
      t.name,
      t.description,
      t.endpointPath,
      t.httpMethod,
      t.bodyPayloadTemplate,
      t.enabled,
      t.isExportable,
      t.parameters,
      t.outputSchema,
    ]);
  return view(record) === view(current);
}

/** Upserts one checked entry and its tools inside the caller's transaction, noting each change in `report`. */
export async function importEntry(store: Store, entry: ImportEntry, index: number, report: ImportReport, options: ImportOptions): Promise<void> {
  const { tools = [], ...fields } = entry;
  const code = fields.code?.trim() || (await codeFromName(fields.name ?? '', async (c) => !!(await store.providers.findByCode(c)), 'provider'));
  const subject = `Import entry ${index} (provider "${code}")`;
  const existing = (await store.providers.findByCode(code)) ?? null;
  const { record, droppedSecrets } = resolveProvider({ ...fields, code }, existing, subject, options.rules ?? LOCKED_RULES);
  if (droppedSecrets.length > 0) report.providers.droppedSecrets[code] = droppedSecrets;
  const provider = existing ? await updateProviderRecord(store, existing, record) : await store.providers.insert(record);
  (existing ? report.providers.updated : report.providers.created).push(code);

  const listed = new Set<string>();
  for (const [j, tool] of (tools ?? []).entries()) {
    const toolSubject = `${subject}, tools[${j}]`;
    const toolCode = tool.code?.trim() || (await codeFromName(tool.name ?? '', async (c) => !!(await store.tools.findByCode(c)), 'tool'));
    listed.add(toolCode);
    const current = await store.tools.findByCode(toolCode);
    if (current && current.providerId !== provider.id) {
      throw new ToolwireError(
        'CONFLICT',
        `${toolSubject} is invalid: code "${toolCode}" belongs to a tool of provider "${current.providerCode}". Tool codes are unique across providers: rename it.`,
      );
    }
    try {
      if (current) {
        const resolved = resolveTool({ ...tool, parameters: tool.parameters ?? [] }, current, provider.id, toolCode, toolSubject, report.notes);
        const record = withoutCredentialSlot(resolved, provider, report.notes);
        if (sameTool(record, current)) {
          report.tools.unchanged.push(toolCode);
        } else {
          await store.tools.update(current.id, record);
          report.tools.updated.push(toolCode);
        }
      } else {
        await store.tools.insert(withoutCredentialSlot(resolveTool(tool, null, provider.id, toolCode, toolSubject, report.notes), provider, report.notes));
        report.tools.created.push(toolCode);
      }
    } catch (err) {
      if (err instanceof ToolwireError && err.code === 'CONFLICT') throw duplicate('tool', toolCode);
      throw err;
    }
  }
  if (options.prune) {
    for (const tool of await store.tools.listByProvider(provider.id)) {
      if (listed.has(tool.code)) continue;
      await store.tools.remove(tool.id);
      report.tools.removed.push(tool.code);
    }
  }
}
