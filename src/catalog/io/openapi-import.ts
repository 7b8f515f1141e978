import type { Catalog } from '../catalog.js';
import { ToolwireError } from '../../core/errors.js';
import { TOOL_MODES, type Provider, type ToolMode } from '../../core/model.js';
import { droppedSecretsNote } from '../moved-secrets.js';
import type { ProviderWriteRules } from '../write-rules.js';
import { convertOpenApi, type SkippedOperation } from '../openapi/index.js';
import { importProviders } from './import.js';
import { describeCatalogSize, type ProviderCatalogSize } from './catalog-size.js';
import { isUnsetBaseUrl, unsetBaseUrl } from '../../core/unset-base-url.js';

export interface OpenApiImportOptions {
  providerCode?: string | undefined;
  baseUrl?: string | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  /** Offer the provider as three meta tools (search, describe, call): `toolMode: "meta"`. */
  meta?: boolean | undefined;
  /** `direct`, `meta` or `auto` (SPEC §14); absent: a new provider is direct, an existing one keeps its mode. */
  toolMode?: ToolMode | undefined;
  prune?: boolean | undefined;
  dryRun?: boolean | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  rules?: ProviderWriteRules | undefined;
}

export interface OpenApiImportReport {
  provider: string;
  providerCreated: boolean;
  added: string[];
  changed: string[];
  unchanged: string[];
  removed: string[];
  skipped: SkippedOperation[];
  credentialsToFill: string[];
  /** Stored secrets dropped because the document moved the API to another host. */
  droppedSecrets: string[];
  /**
   * Set when the provider's base URL is still to set (the document names no absolute server, and none
   * was given now or before): the stand-in stored, the path prefix it keeps, and how to set it.
   */
  baseUrlToSet: { baseUrl: string; pathPrefix: string; how: string } | null;
  /** The estimated tokens of the tools added and of the provider's whole list, and whether meta mode is offered or applied (SPEC §14). */
  catalogSize: ProviderCatalogSize | null;
  /** TOOLWIRE_AUTO_META_TOKENS, the threshold `catalogSize` was judged by. */
  autoMetaTokens: number;
  warnings: string[];
  dryRun: boolean;
}

/** The tool mode the import sets, if any: `toolMode`, else `meta: true`; a conflict between them is refused. */
function chosenMode(options: OpenApiImportOptions): ToolMode | undefined {
  if (options.toolMode !== undefined && !(TOOL_MODES as readonly string[]).includes(options.toolMode)) {
    throw new ToolwireError('INVALID_INPUT', `toolMode "${String(options.toolMode)}" is not one of ${TOOL_MODES.join(', ')}.`);
  }
  if (options.meta && options.toolMode !== undefined && options.toolMode !== 'meta') {
    throw new ToolwireError('INVALID_INPUT', `meta asks for toolMode "meta" but toolMode says "${options.toolMode}": give one of them.`);
  }
  return options.toolMode ?? (options.meta ? 'meta' : undefined);
}

/** An OpenAPI 3.x or Swagger 2.0 document (already parsed), as opposed to an export array. */
export function looksLikeOpenApi(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && ('openapi' in value || 'swagger' in value);
}

/**
 * Converts the document and upserts the provider and its tools in one transaction. A re-import keeps
 * what the user set that the document does not say: stored credentials, custom headers, the tool mode.
 */
export async function importOpenApi(catalog: Catalog, source: string | object, options: OpenApiImportOptions = {}): Promise<OpenApiImportReport> {
  const conversion = await convertOpenApi(source, {
    providerCode: options.providerCode,
    baseUrl: options.baseUrl,
    include: options.include,
    exclude: options.exclude,
    toolMode: chosenMode(options),
    onProgress: options.onProgress,
  });
  const { toolMode, customHeaders, ...provider } = conversion.provider;
  const entry: Record<string, unknown> = { ...provider };
  if (chosenMode(options) !== undefined) entry.toolMode = toolMode;
  if (Object.keys(customHeaders).length > 0) entry.customHeaders = customHeaders;
  const report = await importProviders(catalog, [entry], {
    prune: options.prune ?? false,
    dryRun: options.dryRun ?? false,
    ...(options.rules ? { rules: options.rules } : {}),
  });
  const stored = await catalog.findProvider(provider.code);
  return {
    provider: provider.code,
    providerCreated: report.providers.created.length > 0,
    added: report.tools.created,
    changed: report.tools.updated,
    unchanged: report.tools.unchanged,
    removed: report.tools.removed,
    skipped: conversion.skipped,
    credentialsToFill:
      report.providers.created.length > 0 ? conversion.credentialsToFill : conversion.credentialsToFill.filter((field) => !hasStored(stored, field)),
    droppedSecrets: report.providers.droppedSecrets[provider.code] ?? [],
    baseUrlToSet: baseUrlToSet(stored, provider.code, conversion.baseUrlToSet),
    catalogSize: report.catalogSize.providers.find((p) => p.provider === provider.code) ?? null,
    autoMetaTokens: report.catalogSize.autoMetaTokens,
    warnings: conversion.warnings,
    dryRun: options.dryRun ?? false,
  };
}

/**
 * What the report says of a base URL to set: only while the provider has none (after a real import the
 * stored one; in a dry run, the one before, if any — a stand-in never replaces a base URL set).
 */
function baseUrlToSet(stored: Provider | undefined, code: string, toSet: { pathPrefix: string } | null): OpenApiImportReport['baseUrlToSet'] {
  if (toSet === null) return null;
  if (stored && stored.kind === 'http' && !isUnsetBaseUrl(stored.baseUrl)) return null;
  const example = 'https://api.example.com';
  return {
    baseUrl: unsetBaseUrl(toSet.pathPrefix),
    pathPrefix: toSet.pathPrefix,
    how: `toolwire provider update ${code} --base-url ${example} (or baseUrl in PUT /admin/providers/{id})${toSet.pathPrefix ? `: a URL without a path keeps the prefix, ${example} becomes ${example}${toSet.pathPrefix}` : ''}. Until then its tools answer an error and send nothing.`,
  };
}

/** Whether a credential field the document wants filled already holds a value (`stored`: the provider after the import). */
function hasStored(stored: Provider | undefined, field: string): boolean {
  if (!stored) return false;
  if (field === 'apiKeyValue') return stored.apiKeyValue !== null;
  if (field === 'dynamicAuthPayload') return stored.dynamicAuthPayload !== null && !stored.dynamicAuthPayload.includes('<YOUR_API_KEY>');
  return false;
}

/** Documents with more operations than this show their progress while converting. */
export const PROGRESS_THRESHOLD = 200;

/**
 * The `onProgress` of a CLI import: nothing for small documents; for large ones a counter
 * (`converting operations 400/1223`) redrawn in place on a terminal, or at most five plain lines
 * (start, each quarter, end) when stderr is a file or a pipe. Meant for stderr only: stdout
 * carries the command's output (the --json report).
 */
export function progressPrinter(write: (text: string) => void, tty: boolean): (done: number, total: number) => void {
  let shownQuarter = -1;
  return (done, total) => {
    if (total <= PROGRESS_THRESHOLD) return;
    const text = `converting operations ${done}/${total}`;
    if (tty) {
      write(`\r${text}\x1b[K${done >= total ? '\n' : ''}`);
      return;
    }
    const quarter = done >= total ? 4 : Math.floor((4 * done) / total);
    if (quarter === shownQuarter) return;
    shownQuarter = quarter;
    write(`${text}\n`);
  };
}

/** A short, human report of an OpenAPI import (stderr). */
export function describeOpenApiReport(r: OpenApiImportReport): string {
  const verb = r.dryRun ? 'Would import' : 'Imported';
  const lines = [
    `${verb} provider "${r.provider}" (${r.providerCreated ? 'new' : 'updated'}): ${r.added.length} tool(s) added, ${r.changed.length} changed, ${r.unchanged.length} unchanged, ${r.removed.length} removed, ${r.skipped.length} skipped.`,
  ];
  for (const s of r.skipped.slice(0, 50)) lines.push(`  skipped ${s.operation}: ${s.reason}`);
  if (r.skipped.length > 50) lines.push(`  … and ${r.skipped.length - 50} more skipped (see --json).`);
  for (const w of r.warnings) lines.push(`  note: ${w}`);
  if (r.droppedSecrets.length > 0) lines.push(`  ${droppedSecretsNote(r.provider, r.droppedSecrets).trim()}`);
  if (r.baseUrlToSet) lines.push(`  Base URL to set (the document names no absolute server; stored as ${r.baseUrlToSet.baseUrl}): ${r.baseUrlToSet.how}`);
  if (r.catalogSize)
    lines.push(
      ...describeCatalogSize({
        autoMetaTokens: r.autoMetaTokens,
        addedTokens: r.catalogSize.addedTokens,
        tokens: r.catalogSize.tokens,
        providers: [r.catalogSize],
      }),
    );
  if (r.credentialsToFill.length > 0) {
    lines.push(`  Credentials to fill: ${r.credentialsToFill.join(', ')} — e.g. echo '{"apiKeyValue":"…"}' | toolwire provider update ${r.provider} -`);
  }
  if (r.dryRun) lines.push('Dry run: nothing was written.');
  return `${lines.join('\n')}\n`;
}
