import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { droppedSecretsNote } from '../catalog/moved-secrets.js';
import { CLI_RULES } from '../catalog/write-rules.js';
import { exportProviders } from '../catalog/io/export.js';
import { ToolwireError } from '../core/errors.js';
import type { ImportReport } from '../catalog/io/import-entries.js';
import type { ToolMode } from '../core/model.js';
import { describeCatalogSize } from '../catalog/io/catalog-size.js';
import { importProviders } from '../catalog/io/import.js';
import { describeOpenApiReport, importOpenApi, looksLikeOpenApi, progressPrinter } from '../catalog/io/openapi-import.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { json } from './format.js';
import { parseJson, readText } from './input.js';

export function describeReport(report: ImportReport, dryRun: boolean): string {
  const verb = dryRun ? 'Would import' : 'Imported';
  const p = report.providers;
  const t = report.tools;
  const lines = [
    `${verb} ${p.created.length + p.updated.length} provider(s) (${p.created.length} new, ${p.updated.length} updated) and ${t.created.length + t.updated.length + t.unchanged.length} tool(s) (${t.created.length} new, ${t.updated.length} updated${t.unchanged.length ? `, ${t.unchanged.length} unchanged` : ''}${t.removed.length ? `, ${t.removed.length} removed` : ''}).`,
  ];
  for (const [code, fields] of Object.entries(p.droppedSecrets)) lines.push(droppedSecretsNote(code, fields).trim());
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(...describeCatalogSize(report.catalogSize));
  if (dryRun) lines.push('Dry run: nothing was written.');
  return `${lines.join('\n')}\n`;
}

/** An import file: JSON (an export array or an OpenAPI document) or, for OpenAPI, YAML. */
async function readImportFile(text: string, file: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch (jsonError) {
    const { parse } = await import('yaml');
    let value: unknown;
    try {
      value = parse(text);
    } catch {
      return parseJson(text, file); // report the JSON error: it is the more likely intent
    }
    if (looksLikeOpenApi(value)) return value;
    throw new ToolwireError(
      'INVALID_INPUT',
      `${file} is not valid JSON (${(jsonError as Error).message}), nor an OpenAPI document in YAML. Fix the syntax; nothing was changed.`,
      { cause: jsonError },
    );
  }
}

export const importCommand: Command = async (ctx) => {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    options: {
      'dry-run': { type: 'boolean' },
      prune: { type: 'boolean' },
      json: { type: 'boolean' },
      provider: { type: 'string' },
      'base-url': { type: 'string' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      meta: { type: 'boolean' },
      'tool-mode': { type: 'string' },
    },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file) throw new UsageError('Missing FILE: an export (JSON array) or an OpenAPI document (JSON or YAML), or - for standard input.');
  const data = await readImportFile(await readText(ctx, file), file);
  const dryRun = values['dry-run'] ?? false;
  const app = await createApp(ctx.config);
  try {
    if (looksLikeOpenApi(data)) {
      const report = await importOpenApi(app.catalog, data as object, {
        providerCode: values.provider,
        baseUrl: values['base-url'],
        include: values.include,
        exclude: values.exclude,
        meta: values.meta,
        toolMode: values['tool-mode'] as ToolMode | undefined,
        prune: values.prune,
        dryRun,
        onProgress: progressPrinter(ctx.stderr, ctx.stderrIsTTY ?? false),
        rules: CLI_RULES,
      });
      if (values.json) ctx.stdout(json(report));
      ctx.stderr(describeOpenApiReport(report));
      return 0;
    }
    const openApiOnly = ['provider', 'base-url', 'include', 'exclude', 'meta', 'tool-mode'].filter((flag) => values[flag as keyof typeof values] !== undefined);
    if (openApiOnly.length > 0) throw new UsageError(`--${openApiOnly.join(', --')} apply to OpenAPI documents only; ${file} is an export.`);
    const report = await importProviders(app.catalog, data, { dryRun, prune: values.prune ?? false, rules: CLI_RULES });
    if (values.json) ctx.stdout(json(report));
    ctx.stderr(describeReport(report, dryRun));
    return 0;
  } finally {
    await app.close();
  }
};

export const exportCommand: Command = async (ctx) => {
  const { values } = parseArgs({
    args: ctx.args,
    options: { out: { type: 'string' }, provider: { type: 'string', multiple: true } },
    allowPositionals: false,
  });
  const app = await createApp(ctx.config);
  try {
    const entries = await exportProviders(app.catalog, values.provider ?? []);
    const text = json(entries);
    if (values.out) {
      await writeFile(values.out, text, { mode: 0o600 });
      ctx.stderr(`Exported ${entries.length} provider(s) to ${values.out}; secrets are written as <YOUR_API_KEY>.\n`);
    } else ctx.stdout(text);
    return 0;
  } finally {
    await app.close();
  }
};
