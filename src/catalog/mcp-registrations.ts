import type { Store } from '../store/index.js';
import { serverCode, serverCodeSource } from './codes.js';
import type { ReportIssue } from './entry-issues.js';
import { resolveEntry } from './resolve-entry.js';
import type { ProviderWriteRules } from './write-rules.js';
import { updateProviderRecord } from './provider-update.js';

export type ServerProtocol = 'sse' | 'streamable_http' | 'stdio';

/** One upstream MCP server to register; `key` is its identity across requests (the URL, or `stdio:` + name). */
export interface McpServerEntry {
  key: string;
  /** How messages name this server (where the caller listed it). */
  subject: string;
  protocol: ServerProtocol;
  name: string;
  url: string | null;
  apiKey: string | null;
  command: string | null;
  args: string[];
  env: Record<string, string> | null;
}

export interface McpServersResult {
  registered: Array<{ code: string; protocol: ServerProtocol; server: string; status: 'created' | 'updated' }>;
  removed: string[];
}

/** The provider fields of a server: `kind: "mcp"`, and its `api_key` as the bearer credential. */
function providerFields(entry: McpServerEntry): Record<string, unknown> {
  return {
    name: entry.name,
    kind: 'mcp',
    protocol: entry.protocol,
    url: entry.url,
    command: entry.command,
    args: entry.args,
    ...(entry.env ? { env: entry.env } : {}),
    ...(entry.apiKey ? { apiKeyValue: entry.apiKey, authenticationType: 'BEARER_TOKEN' } : {}),
  };
}

/** The entry field a provider field came from; an issue with any other field is the entry's as a whole. */
const ENTRY_FIELD: Record<string, string> = { url: 'url', command: 'command', apiKeyValue: 'apiKey', env: 'env' };

/**
 * Makes the servers registered this way exactly `entries`, inside the caller's transaction: servers no
 * longer listed are removed (only those registered this way, never a provider added otherwise), the
 * others created or updated. Over HTTP a stdio server that would run something new is refused by `rules`.
 */
export async function syncMcpServers(store: Store, entries: McpServerEntry[], rules: ProviderWriteRules, report: ReportIssue): Promise<McpServersResult> {
  const { providers } = store;
  const marks = store.mcpRegistrations;
  const current = await marks.list();
  const wanted = new Set(entries.map((s) => s.key));
  const result: McpServersResult = { registered: [], removed: [] };
  for (const mark of current) {
    if (wanted.has(mark.serverKey)) continue;
    const gone = await providers.findById(mark.providerId);
    if (gone && (await providers.remove(gone.id))) result.removed.push(gone.code);
  }
  const byKey = new Map(current.map((m) => [m.serverKey, m.providerId]));
  for (const [index, entry] of entries.entries()) {
    const id = byKey.get(entry.key);
    const existing = (id !== undefined && (await providers.findById(id))) || null;
    const issue = (field: string, message: string) => report(index, ENTRY_FIELD[field] ?? null, message);
    const server = entry.url ?? entry.name;
    if (existing) {
      const record = resolveEntry(providerFields(entry), existing, entry.subject, rules, issue)?.record;
      // The list is the whole truth about its servers: one listed without api_key has none now
      // (its vault credential, if any, takes over); a masked stand-in still keeps the stored key.
      if (record && !entry.apiKey && entry.protocol !== 'stdio') {
        record.apiKeyValue = null;
        record.authenticationType = 'NONE';
      }
      if (record) {
        result.registered.push({ code: (await updateProviderRecord(store, existing, record)).code, protocol: entry.protocol, server, status: 'updated' });
      }
      continue;
    }
    const code = await serverCode(serverCodeSource(entry), entry.key, async (c) => (await providers.findByCode(c)) !== undefined);
    const record = resolveEntry({ ...providerFields(entry), code }, null, entry.subject, rules, issue)?.record;
    if (!record) continue;
    const created = await providers.insert(record);
    await marks.add(created.id, entry.key);
    result.registered.push({ code: created.code, protocol: entry.protocol, server, status: 'created' });
  }
  return result;
}
