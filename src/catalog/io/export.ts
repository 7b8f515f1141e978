import type { Catalog } from '../catalog.js';
import { exportProvider } from '../views.js';

/** Exportable providers with their exportable tools, secrets replaced by placeholders (SPEC §4). */
export function exportProviders(catalog: Catalog, codes: string[] = []) {
  const providers = codes.length > 0 ? codes.map((code) => catalog.getProvider(code)) : catalog.listProviders();
  return providers.filter((p) => p.isExportable).map((p) => exportProvider(p, catalog.listTools(p.id)));
}
