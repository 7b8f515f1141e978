import type { Catalog } from '../catalog.js';
import { invalid, parseOrThrow } from '../issues.js';
import { importEntrySchema, type ImportEntry } from '../schemas.js';
import type { ImportOptions, ImportReport } from './import-entries.js';

/**
 * Imports a toolwire/HandsAI export (SPEC §4): providers upserted by code, their tools upserted by
 * code, all in one transaction — any invalid entry rejects the whole file and nothing is written.
 */
export async function importProviders(catalog: Catalog, raw: unknown, options: ImportOptions = {}): Promise<ImportReport> {
  if (!Array.isArray(raw)) {
    throw invalid('The import file', [{ field: '(file)', message: 'must be a JSON array of providers, each with its "tools" (a toolwire or HandsAI export)' }]);
  }
  const entries = raw.map((item, i) => parseOrThrow(importEntrySchema, item, `Import entry ${i} (${entryLabel(item)})`, ''));
  checkDuplicateCodes(entries);
  return catalog.importEntries(entries, options);
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
