import type { Catalog } from '../../catalog/catalog.js';
import type { ProviderWriteRules } from '../../catalog/write-rules.js';
import type { Log } from '../../core/log.js';

/** What the compatibility APIs (OpenHands' provider tokens, Qoder's vaults) use; built once where they are mounted. */
export interface CompatDeps {
  catalog: Catalog;
  log: Log;
  /** Writes over HTTP: the stdio lock unless TOOLWIRE_ALLOW_STDIO_UPSTREAMS. */
  writeRules: ProviderWriteRules;
}
