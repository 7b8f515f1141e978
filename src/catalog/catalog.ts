import { AsyncLocalStorage } from 'node:async_hooks';
import { ToolwireError } from '../core/errors.js';
import { DEFAULT_AUTO_META_TOKENS } from '../core/catalog-size.js';
import { measureImport } from './io/catalog-size.js';
import type { Store } from '../store/index.js';
import type { Provider, Tool } from '../core/model.js';
import type { SharedState } from '../core/shared-state.js';
import { codeFromName } from './codes.js';
import { duplicate } from './duplicate.js';
import { InvalidEntries, issueCollector, type EntryIssue } from './entry-issues.js';
import { emptyImportReport, importEntry, type ImportOptions, type ImportReport } from './io/import-entries.js';
import { syncMcpServers, type McpServerEntry, type McpServersResult } from './mcp-registrations.js';
import { applyClientProviderTokens } from './client-provider-tokens.js';
import { applyProviderTokens, type ProviderTokenEntry, type ProviderTokensResult } from './provider-tokens.js';
import { VaultCatalog } from './vaults.js';
import { ClientCatalog } from './clients.js';
import { CredentialCatalog } from './credentials.js';
import { AuditCatalog, type ChangeOf } from './audit.js';
import { readRateLimits, type RateLimitIndex } from '../store/rate-limits.js';
import { RateCountRepository } from '../store/rate-counts.js';
import { invalid, parseOrThrow } from './issues.js';
import { resolveProvider } from './resolve-provider.js';
import { updateProviderRecord } from './provider-update.js';
import { resolveTool } from './resolve-tool.js';
import { LOCKED_RULES, type ProviderWriteRules } from './write-rules.js';
import { providerInputSchema, toolInputSchema, type ImportEntry, type ToolInput } from './schemas.js';

export type Ref = number | string;

/**
 * The catalog write an async context is inside (`open` false once it ended): a write started inside one
 * joins its transaction (driver.ts) and leaves telling the registry to the outer write, after its commit.
 * Refreshing inside would have the rebuild wait for the transaction it runs in.
 */
const writes = new AsyncLocalStorage<{ open: boolean }>();

/** What the catalog is told by the configuration. */
export interface CatalogSettings {
  /** TOOLWIRE_AUTO_META_TOKENS: the import report offers meta mode to a provider over it (SPEC §14). */
  autoMetaTokens: number;
}

/** A provider after an update, and the stored secrets dropped because the origin they were bound to moved. */
export interface ProviderChange {
  provider: Provider;
  droppedSecrets: string[];
}

/**
 * The only writer: every operation on providers, tools, vaults and registered MCP servers, for the CLI,
 * the admin and compatibility APIs and import alike: input checked at the boundary, one transaction per
 * operation, and `onChange` told afterwards so the registry is rebuilt at once. The store stays inside.
 */
export class Catalog {
  /** Credential vaults (SPEC §9). */
  readonly vaults: VaultCatalog;
  /** Client identities and their scopes (SPEC §11). */
  readonly clients: ClientCatalog;
  /** Each client's own credentials for per-user providers (SPEC §11). */
  readonly credentials: CredentialCatalog;
  /** The audit log (SPEC §12): call batches, pages of entries; admin changes are written by `write`. */
  readonly audit: AuditCatalog;
  /**
   * What any instance may be asked about (connect tickets, pending OAuth 2 sign-ins, web sessions, kept
   * answers): short-lived rows, not catalog changes, so no audit entry and no registry rebuild.
   */
  get shared(): SharedState {
    return this.store.shared;
  }

  /** `actor`: who the admin changes made through this catalog are recorded as (`as()` gives another). */
  constructor(
    private readonly store: Store,
    private readonly onChange: () => Promise<unknown> = async () => undefined,
    readonly actor = 'cli',
    private readonly settings: CatalogSettings = { autoMetaTokens: DEFAULT_AUTO_META_TOKENS },
  ) {
    this.vaults = new VaultCatalog(store, (fn, change) => this.write(fn, change));
    this.clients = new ClientCatalog(store, (fn, change) => this.write(fn, change));
    this.credentials = new CredentialCatalog(store, (fn, change) => this.write(fn, change));
    this.audit = new AuditCatalog(store);
  }

  /** The same catalog, recording its admin changes as made by `actor` (an identity name; the HTTP APIs make one per request). */
  as(actor: string): Catalog {
    return actor === this.actor ? this : new Catalog(this.store, this.onChange, actor, this.settings);
  }

  /**
   * Runs catalog operations in one transaction, then tells the registry: for a batch of them that must
   * all be written or none (operations that say "the caller holds the transaction", like `insertTool`).
   * `change` names the admin change for the audit log, written in the same transaction (SPEC §12).
   */
  async write<T>(fn: () => Promise<T>, change: ChangeOf<T>): Promise<T> {
    const nested = writes.getStore()?.open === true;
    const scope = { open: true };
    const result = await this.store.transaction(() =>
      writes.run(scope, async () => {
        try {
          const value = await fn();
          if (change !== null) {
            await this.store.audit.insertChange(new Date().toISOString(), this.actor, typeof change === 'function' ? change(value) : change);
          }
          return value;
        } finally {
          scope.open = false;
        }
      }),
    );
    // After the commit: once the write returns, this instance serves it.
    if (!nested) await this.onChange();
    return result;
  }

  /** Every rate limit set (SPEC §12), in one read: the call path's index, loaded with the registry's snapshot. */
  rateLimits(): Promise<RateLimitIndex> {
    return this.store.read(() => readRateLimits(this.store.database));
  }

  /** Each instance's calls under each rate limit (SPEC §12): the ops side shares them so limits hold across instances. */
  rateCounts(): RateCountRepository {
    return new RateCountRepository(this.store.database.driver);
  }

  listProviders(): Promise<Provider[]> {
    return this.store.providers.list();
  }

  /** The provider, or undefined: for callers that answer a missing one in their own words. */
  findProvider(ref: Ref): Promise<Provider | undefined> {
    return typeof ref === 'number' ? this.store.providers.findById(ref) : this.store.providers.findByCode(ref);
  }

  async getProvider(ref: Ref): Promise<Provider> {
    const found = await this.findProvider(ref);
    if (!found) throw new ToolwireError('NOT_FOUND', `No provider ${describeRef(ref)}. \`toolwire provider list\` shows the providers there are.`);
    return found;
  }

  createProvider(raw: unknown, rules: ProviderWriteRules = LOCKED_RULES): Promise<Provider> {
    const input = parseOrThrow(providerInputSchema, raw, 'The provider');
    return this.write(
      async () => {
        const code = input.code?.trim() || (await codeFromName(input.name ?? '', async (c) => !!(await this.store.providers.findByCode(c)), 'provider'));
        if (await this.store.providers.findByCode(code)) throw duplicate('provider', code);
        return this.store.providers.insert(resolveProvider({ ...input, code }, null, `The provider "${code}"`, rules).record);
      },
      (p) => ({ action: 'provider.create', object: `provider:${p.code}` }),
    );
  }

  updateProvider(ref: Ref, raw: unknown, rules: ProviderWriteRules = LOCKED_RULES): Promise<ProviderChange> {
    const input = parseOrThrow(providerInputSchema, raw, 'The provider update');
    return this.write(
      async () => {
        const existing = await this.getProvider(ref);
        const code = input.code?.trim() || existing.code;
        if (code !== existing.code && (await this.store.providers.findByCode(code))) throw duplicate('provider', code);
        const { record, droppedSecrets } = resolveProvider({ ...input, code }, existing, `The provider "${existing.code}"`, rules);
        return { provider: await updateProviderRecord(this.store, existing, record), droppedSecrets };
      },
      (c) => ({ action: 'provider.update', object: `provider:${c.provider.code}`, detail: changedFields(raw) }),
    );
  }

  removeProvider(ref: Ref): Promise<Provider> {
    return this.write(
      async () => {
        const existing = await this.getProvider(ref);
        await this.store.providers.remove(existing.id);
        return existing;
      },
      (p) => ({ action: 'provider.remove', object: `provider:${p.code}` }),
    );
  }

  async listTools(providerRef?: Ref): Promise<Tool[]> {
    if (providerRef === undefined) return this.store.tools.list();
    return this.store.tools.listByProvider((await this.getProvider(providerRef)).id);
  }

  /** The tool, or undefined: for callers that answer a missing one in their own words. */
  findTool(ref: Ref): Promise<Tool | undefined> {
    return typeof ref === 'number' ? this.store.tools.findById(ref) : this.store.tools.findByCode(ref);
  }

  async getTool(ref: Ref): Promise<Tool> {
    const found = await this.findTool(ref);
    if (!found) throw new ToolwireError('NOT_FOUND', `No tool ${describeRef(ref)}. \`toolwire tool list\` shows the tools there are.`);
    return found;
  }

  createTool(raw: unknown): Promise<Tool> {
    const input = parseOrThrow(toolInputSchema, raw, 'The tool');
    return this.write(
      async () => this.insertTool(input, await this.toolProvider(input, null)),
      (t) => ({ action: 'tool.create', object: `tool:${t.code}` }),
    );
  }

  /** Inserts a tool of a known provider; the caller holds the transaction. */
  async insertTool(input: ToolInput, provider: Provider, subject = 'The tool'): Promise<Tool> {
    const code = input.code?.trim() || (await codeFromName(input.name ?? '', async (c) => !!(await this.store.tools.findByCode(c)), 'tool'));
    if (await this.store.tools.findByCode(code)) throw duplicate('tool', code);
    return this.store.tools.insert(resolveTool(input, null, provider.id, code, subject === 'The tool' ? `The tool "${code}"` : subject));
  }

  updateTool(ref: Ref, raw: unknown): Promise<Tool> {
    const input = parseOrThrow(toolInputSchema, raw, 'The tool update');
    return this.write(
      async () => {
        const existing = await this.getTool(ref);
        const provider = await this.toolProvider(input, existing);
        const code = input.code?.trim() || existing.code;
        if (code !== existing.code && (await this.store.tools.findByCode(code))) throw duplicate('tool', code);
        return this.store.tools.update(existing.id, resolveTool(input, existing, provider.id, code, `The tool "${existing.code}"`));
      },
      (t) => ({ action: 'tool.update', object: `tool:${t.code}`, detail: changedFields(raw) }),
    );
  }

  removeTool(ref: Ref): Promise<Tool> {
    return this.write(
      async () => {
        const existing = await this.getTool(ref);
        await this.store.tools.remove(existing.id);
        return existing;
      },
      (t) => ({ action: 'tool.remove', object: `tool:${t.code}` }),
    );
  }

  /**
   * Upserts checked import entries (SPEC §4) in one transaction; with `dryRun` everything is checked and
   * reported, then rolled back.
   */
  async importEntries(entries: ImportEntry[], options: ImportOptions = {}): Promise<ImportReport> {
    const report = emptyImportReport(this.settings.autoMetaTokens);
    const run = async () => {
      for (const [i, entry] of entries.entries()) await importEntry(this.store, entry, i, report, options);
      const imported = [...report.providers.created, ...report.providers.updated];
      report.catalogSize = await measureImport(this.store, imported, new Set(report.tools.created), this.settings.autoMetaTokens);
    };
    if (!options.dryRun) {
      await this.write(run, () => ({ action: 'import', object: `entries:${entries.length}`, detail: importDetail(report) }));
      return report;
    }
    try {
      await this.store.transaction(async () => {
        await run();
        throw new DryRunRollback();
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
    return report;
  }

  /**
   * Provider tokens and the registered MCP servers (when `servers` is given, it becomes the whole set
   * registered this way), in one transaction: any entry's problem throws InvalidEntries naming every
   * problem of every entry, and nothing is written.
   */
  storeProviderTokens(
    tokens: ProviderTokenEntry[],
    servers: McpServerEntry[] | null,
    rules: ProviderWriteRules,
  ): Promise<ProviderTokensResult & { mcp: McpServersResult | null }> {
    return this.write(
      async () => {
        const issues: EntryIssue[] = [];
        const stored = await applyProviderTokens(this.store, tokens, rules, issueCollector('providerTokens', issues));
        const mcp = servers === null ? null : await syncMcpServers(this.store, servers, rules, issueCollector('mcpServers', issues));
        if (issues.length > 0) throw new InvalidEntries(issues); // rolls the whole transaction back
        return { ...stored, mcp };
      },
      { action: 'provider-tokens.store', object: `providers:${tokens.length}`, detail: servers === null ? '' : `mcp servers: ${servers.length}` },
    );
  }

  /**
   * OpenHands' provider tokens sent with a client's token (SPEC §11): each becomes that client's own
   * credential, the shared providers untouched; upstream MCP servers stay the owner's to register. One
   * transaction: any entry's problem throws InvalidEntries, and nothing is written.
   */
  storeClientProviderTokens(clientName: string, tokens: ProviderTokenEntry[], servers: McpServerEntry[] | null): Promise<ProviderTokensResult & { mcp: null }> {
    return this.write(
      async () => {
        const issues: EntryIssue[] = [];
        const stored = await applyClientProviderTokens(this.store, clientName, tokens, issueCollector('providerTokens', issues));
        if (servers !== null) {
          issueCollector('mcpServers', issues)(
            0,
            null,
            `Upstream MCP servers are shared: only the owner token registers them. A client's own key for one goes in provider_tokens (its provider code and token).`,
          );
        }
        if (issues.length > 0) throw new InvalidEntries(issues);
        return { stored, droppedSecrets: {}, mcp: null };
      },
      { action: 'provider-tokens.store', object: `client:${clientName}`, detail: `providers: ${tokens.length}` },
    );
  }

  /** The provider a tool input names (providerId or providerCode), else the existing tool's. */
  private async toolProvider(input: ToolInput, existing: Tool | null): Promise<Provider> {
    const byId = input.providerId ?? null;
    const byCode = input.providerCode?.trim() || null;
    if (byId === null && byCode === null) {
      if (existing) return this.getProvider(existing.providerId);
      throw invalid('The tool', [{ field: 'providerCode', message: 'is required: the code of the provider this tool belongs to (or give providerId)' }]);
    }
    const found = byId !== null ? await this.store.providers.findById(byId) : await this.store.providers.findByCode(byCode as string);
    if (!found) {
      const field = byId !== null ? 'providerId' : 'providerCode';
      throw invalid('The tool', [
        { field, message: `names provider ${describeRef(byId ?? (byCode as string))}, which does not exist; create it first or fix the reference` },
      ]);
    }
    return found;
  }
}

class DryRunRollback extends Error {}

/** The top-level fields an update named (names only: a secret's value never reaches the audit log). */
function changedFields(raw: unknown): string {
  return raw !== null && typeof raw === 'object' ? `fields: ${Object.keys(raw).sort().join(', ')}` : '';
}

/** What an import did, in counts. */
function importDetail(report: ImportReport): string {
  const { providers: p, tools: t } = report;
  return `providers created ${p.created.length}, updated ${p.updated.length}; tools created ${t.created.length}, updated ${t.updated.length}, removed ${t.removed.length}`;
}

function describeRef(ref: Ref): string {
  return typeof ref === 'number' ? `with id ${ref}` : `with code "${ref}"`;
}
