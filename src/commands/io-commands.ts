import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { exportProviders } from '../io/export.js';
import { importProviders, type ImportReport } from '../io/import.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { json } from './format.js';
import { parseJson, readText } from './input.js';

export function describeReport(report: ImportReport, dryRun: boolean): string {
  const verb = dryRun ? 'Would import' : 'Imported';
  const p = report.providers;
  const t = report.tools;
  const lines = [
    `${verb} ${p.created.length + p.updated.length} provider(s) (${p.created.length} new, ${p.updated.length} updated) and ${t.created.length + t.updated.length} tool(s) (${t.created.length} new, ${t.updated.length} updated${t.removed.length ? `, ${t.removed.length} removed` : ''}).`,
  ];
  if (dryRun) lines.push('Dry run: nothing was written.');
  return `${lines.join('\n')}\n`;
}

export const importCommand: Command = async (ctx) => {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    options: { 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file) throw new UsageError('Missing FILE: the export (JSON array) to import, or - for standard input.');
  const data = parseJson(await readText(ctx, file), file);
  const app = createApp(ctx.config);
  try {
    const dryRun = values['dry-run'] ?? false;
    const report = importProviders(app.catalog, data, { dryRun, prune: values.prune ?? false });
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
  const app = createApp(ctx.config);
  try {
    const entries = exportProviders(app.catalog, values.provider ?? []);
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
