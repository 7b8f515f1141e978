import { duplicate, type Catalog } from '../catalog.js';
import { invalid, parseOrThrow } from '../issues.js';
import { resolveProvider } from '../resolve-provider.js';
import { resolveTool } from '../resolve-tool.js';
import { LOCKED_RULES, type ProviderWriteRules } from '../write-rules.js';
import { importEntrySchema, type ImportEntry } from '../schemas.js';
import { codeFromName } from '../codes.js';
import { ToolwireError } from '../../core/errors.js';
import type { ToolRecord } from '../../store/tools.js';
import type { Tool } from '../../core/model.js';

export interface ImportReport {
  /** `droppedSecrets`: per provider code, the stored secrets dropped because the file moved its host. */
  providers: { created: string[]; updated: string[]; droppedSecrets: Record<string, string[]> };
  /** `unchanged`: listed in the file and identical to what is stored (not rewritten). */
  tools: { created: string[]; updated: string[]; unchanged: string[]; removed: string[] };
}

export interface ImportOptions {
  /** Remove tools of an imported provider that the file does not list (OpenAPI `--prune`). */
  prune?: boolean;
  /** Check and report everything, write nothing. */
  dryRun?: boolean;
  /** Who imports (default: locked, as over HTTP): no entry may then result in a new stdio command. */
  rules?: ProviderWriteRules;
}

class DryRunRollback extends Error {}

/**
 * Imports a toolwire/HandsAI export (SPEC §4): providers upserted by code, their tools upserted by
 * code, all in one transaction — any invalid entry rejects the whole file and nothing is written.
 */
export function importProviders(catalog: Catalog, raw: unknown, options: ImportOptions = {}): ImportReport {
  if (!Array.isArray(raw)) {
    throw invalid('The import file', [{ field: '(file)', message: 'must be a JSON array of providers, each with its "tools" (a toolwire or HandsAI export)' }]);
  }
  const entries = raw.map((item, i) => parseOrThrow(importEntrySchema, item, `Import entry ${i} (${entryLabel(item)})`, ''));
  checkDuplicateCodes(entries);
  const report: ImportReport = { providers: { created: [], updated: [], droppedSecrets: {} }, tools: { created: [], updated: [], unchanged: [], removed: [] } };
  const run = () => {
    entries.forEach((entry, i) => {
      importEntry(catalog, entry, i, report, options);
    });
  };
  try {
    if (options.dryRun) {
      catalog.store.transaction(() => {
        run();
        throw new DryRunRollback();
      });
    } else {
      catalog.write(run);
    }
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
  }
  return report;
}

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

function entryLabel(item: unknown): string {
  const code = (item as { code?: unknown } | null)?.code;
  const name = (item as { name?: unknown } | null)?.name;
  return typeof code === 'string' && code ? `provider "${code}"` : typeof name === 'string' ? `provider named "${name}"` : 'provider';
}

function checkDuplicateCodes(entries: ImportEntry[]): void {
  const providers = new Set<string>();
  const tools = new Map<string, number>();
  entries.forEach((entry, i) => {
    const code = entry.code?.trim();
    if (code) {
      if (providers.has(code))
        throw invalid(`Import entry ${i} (provider "${code}")`, [
          { field: 'code', message: `"${code}" appears twice in the file; each provider code must be unique` },
        ]);
      providers.add(code);
    }
    (entry.tools ?? []).forEach((tool, j) => {
      const toolCode = tool.code?.trim();
      if (!toolCode) return;
      if (tools.has(toolCode)) {
        throw invalid(`Import entry ${i} (provider "${code ?? entry.name}")`, [
          { field: `tools[${j}].code`, message: `"${toolCode}" appears twice in the file (also in entry ${tools.get(toolCode)}); tool codes must be unique` },
        ]);
      }
      tools.set(toolCode, i);
    });
  });
}

function importEntry(catalog: Catalog, entry: ImportEntry, index: number, report: ImportReport, options: ImportOptions): void {
  const { store } = catalog;
  const { tools = [], ...fields } = entry;
  const code = fields.code?.trim() || codeFromName(fields.name ?? '', (c) => !!store.providers.findByCode(c), 'provider');
  const subject = `Import entry ${index} (provider "${code}")`;
  const existing = store.providers.findByCode(code) ?? null;
  const { record, droppedSecrets } = resolveProvider({ ...fields, code }, existing, subject, options.rules ?? LOCKED_RULES);
  if (droppedSecrets.length > 0) report.providers.droppedSecrets[code] = droppedSecrets;
  const provider = existing ? store.providers.update(existing.id, record) : store.providers.insert(record);
  (existing ? report.providers.updated : report.providers.created).push(code);

  const listed = new Set<string>();
  (tools ?? []).forEach((tool, j) => {
    const toolSubject = `${subject}, tools[${j}]`;
    const toolCode = tool.code?.trim() || codeFromName(tool.name ?? '', (c) => !!store.tools.findByCode(c), 'tool');
    listed.add(toolCode);
    const current = store.tools.findByCode(toolCode);
    if (current && current.providerId !== provider.id) {
      throw new ToolwireError(
        'CONFLICT',
        `${toolSubject} is invalid: code "${toolCode}" belongs to a tool of provider "${current.providerCode}". Tool codes are unique across providers: rename it.`,
      );
    }
    try {
      if (current) {
        const record = resolveTool({ ...tool, parameters: tool.parameters ?? [] }, current, provider.id, toolCode, toolSubject);
        if (sameTool(record, current)) {
          report.tools.unchanged.push(toolCode);
        } else {
          store.tools.update(current.id, record);
          report.tools.updated.push(toolCode);
        }
      } else {
        store.tools.insert(resolveTool(tool, null, provider.id, toolCode, toolSubject));
        report.tools.created.push(toolCode);
      }
    } catch (err) {
      if (err instanceof ToolwireError && err.code === 'CONFLICT') throw duplicate('tool', toolCode);
      throw err;
    }
  });
  if (options.prune) {
    for (const tool of store.tools.listByProvider(provider.id)) {
      if (listed.has(tool.code)) continue;
      store.tools.remove(tool.id);
      report.tools.removed.push(tool.code);
    }
  }
}
