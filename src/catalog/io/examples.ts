import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../catalog.js';
import { CLI_RULES } from '../write-rules.js';
import { importProviders } from './import.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/providers/', import.meta.url));

/** Loads the example providers of `examples/providers/` into an empty database; returns how many. */
export async function loadExamplesIfEmpty(catalog: Catalog, dir = EXAMPLES_DIR): Promise<number> {
  if ((await catalog.listProviders()).length > 0) return 0;
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(readFileSync(`${dir}${f}`, 'utf8')) as unknown[]);
  return (await importProviders(catalog, entries, { rules: CLI_RULES })).providers.created.length;
}
