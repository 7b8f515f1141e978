import type { Provider } from '../../core/model.js';
import type { Catalog } from '../catalog.js';
import { exportProvider } from '../views.js';

/** Exportable providers with their exportable tools, secrets replaced by placeholders (SPEC §4). */
export async function exportProviders(catalog: Catalog, codes: string[] = []) {
  const providers: Provider[] = [];
  if (codes.length > 0) for (const code of codes) providers.push(await catalog.getProvider(code));
  else providers.push(...(await catalog.listProviders()));
  const exported = [];
  for (const p of providers) if (p.isExportable) exported.push(exportProvider(p, await catalog.listTools(p.id)));
  return exported;
}
