import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import type { AuditEntry } from '../core/audit.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { json, table } from './format.js';

/** One line per entry: a call's outcome and figures, or a change's action and object. */
function auditTable(entries: AuditEntry[]): string {
  return table([
    ['TIME', 'WHO', 'WHAT', 'OBJECT', 'OUTCOME', 'STATUS', 'MS', 'BYTES IN/OUT'],
    ...entries.map((e) =>
      e.kind === 'call'
        ? [
            e.at,
            e.actor,
            'call',
            `${e.provider}/${e.tool}`,
            e.outcome,
            e.status === null ? '-' : String(e.status),
            e.durationMs.toFixed(1),
            `${e.bytesIn}/${e.bytesOut}`,
          ]
        : [e.at, e.actor, e.action, e.object, e.detail ?? '', '', '', ''],
    ),
  ]);
}

/**
 * `toolwire audit [--client N] [--tool T] [--since ISO] [--limit N] [--cursor C] [--json]` (SPEC §12): the audit
 * log newest first, a page at a time; the next page's cursor is said on stderr. A running server writes
 * its calls within a fifth of a second.
 */
export const auditCommand: Command = async (ctx) => {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    options: {
      client: { type: 'string' },
      tool: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${(positionals[0] as string).slice(0, 40)}": toolwire audit takes only options.`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !/^\d+$/.test(values.limit as string))
    throw new UsageError(`--limit must be a whole number, like --limit 50 (got "${(values.limit as string).slice(0, 20)}").`);
  const app = await createApp(ctx.config);
  try {
    const page = await app.catalog.audit.page({ client: values.client, tool: values.tool, since: values.since, limit, cursor: values.cursor });
    ctx.stdout(values.json ? json(page) : auditTable(page.entries));
    if (!values.json && page.nextCursor) ctx.stderr(`More entries: toolwire audit --cursor ${page.nextCursor} (with the same filters).\n`);
    return 0;
  } finally {
    await app.close();
  }
};
