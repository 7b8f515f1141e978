import type { Catalog } from '../../catalog/catalog.js';
import type { ProviderWriteRules } from '../../catalog/write-rules.js';
import type { Log } from '../../core/log.js';
import type { Registry } from '../../registry/registry.js';
import type { Caller } from '../mcp/caller.js';

/** What the REST admin API uses; built once where it is mounted (inbound/http/api-deps.ts). */
export interface AdminDeps {
  /** Every read and write of providers, tools and import/export. */
  catalog: Catalog;
  /** Only for `validate`: notice another process's write, then call the tool as served. */
  registry: Pick<Registry, 'refresh' | 'current'>;
  log: Log;
  /** Writes over HTTP: the stdio lock unless TOOLWIRE_ALLOW_STDIO_UPSTREAMS. */
  writeRules: ProviderWriteRules;
  /** Named in the message of a write the database could not take. */
  dbPath: string;
  /** Who sent this request, for `POST /admin/tools/{id}/call` (their scope and credentials); absent: the owner. */
  caller?: Caller;
}
