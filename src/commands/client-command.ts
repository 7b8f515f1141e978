import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { type ClientIdentity, NO_TOOL_GLOB } from '../core/identity.js';
import type { ClientChange } from '../catalog/clients.js';
import type { Command, CommandContext } from './context.js';
import { UsageError } from './context.js';
import { json, table } from './format.js';

/** `client add|list|update|remove|rotate`: identities for a shared server (SPEC §11). A token is printed once, alone on stdout. */

function need(name: string | undefined, action: string): string {
  if (!name) throw new UsageError(`Missing the client name: toolwire client ${action} NAME.`);
  return name;
}

/** The token on stdout (so `$(toolwire client add alice)` captures exactly it), the note on stderr. */
function printToken(ctx: CommandContext, token: string, note: string): void {
  ctx.stdout(`${token}\n`);
  ctx.stderr(`${note} The token above is shown only this once (toolwire keeps only its hash): store it now.\n`);
}

const listed = (list: readonly string[]) => {
  if (list.length === 0) return 'all';
  return list.includes(NO_TOOL_GLOB) ? 'none' : list.join(',');
};

function clientTable(clients: ClientIdentity[]): string {
  return table([
    ['NAME', 'PROVIDERS', 'TOOLS', 'ADMIN', 'RATE', 'CREATED', 'SUBJECT'],
    ...clients.map((c) => [
      c.name,
      listed(c.providers),
      listed(c.tools),
      c.admin ? 'yes' : 'no',
      c.rateLimit ? `${c.rateLimit.perMinute}/min` : '-',
      c.createdAt,
      c.subject ?? '-',
    ]),
  ]);
}

/** `--rate N`: calls a minute, a whole number (0 removes the limit, for `client update` and `client limit`). */
function rateOf(raw: string): number {
  const value = Number(raw);
  if (!/^\d{1,7}$/.test(raw.trim()) || !Number.isInteger(value)) {
    throw new UsageError(`--rate must be a whole number of calls a minute, like --rate 60 (got "${raw.slice(0, 20)}").`);
  }
  return value;
}

interface UpdateFlags {
  provider?: string[];
  tool?: string[];
  admin?: boolean;
  'no-admin'?: boolean;
  'all-providers'?: boolean;
  'all-tools'?: boolean;
  'no-tools'?: boolean;
}

/** `client update`'s flags as a change: each list given replaces the old one; the `--all-*`/`--no-*` flags name the two ends. */
function updateChange(values: UpdateFlags, rateLimit: { perMinute: number } | undefined): ClientChange {
  const pairs: Array<[keyof UpdateFlags, keyof UpdateFlags]> = [
    ['provider', 'all-providers'],
    ['tool', 'all-tools'],
    ['tool', 'no-tools'],
    ['all-tools', 'no-tools'],
    ['admin', 'no-admin'],
  ];
  for (const [a, b] of pairs) if (values[a] && values[b]) throw new UsageError(`--${a} and --${b} contradict each other: give one.`);
  const change: ClientChange = {};
  if (values.provider) change.providers = values.provider;
  if (values['all-providers']) change.providers = [];
  if (values.tool) change.tools = values.tool;
  if (values['all-tools']) change.tools = [];
  if (values['no-tools']) change.tools = [NO_TOOL_GLOB];
  if (values.admin) change.admin = true;
  if (values['no-admin']) change.admin = false;
  if (rateLimit) change.rateLimit = rateLimit;
  if (Object.keys(change).length === 0) {
    throw new UsageError('Nothing to change: give --provider CODE…, --all-providers, --tool GLOB…, --all-tools, --no-tools, --admin, --no-admin or --rate N.');
  }
  return change;
}

export const clientCommand: Command = async (ctx) => {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    options: {
      provider: { type: 'string', multiple: true },
      tool: { type: 'string', multiple: true },
      admin: { type: 'boolean' },
      'no-admin': { type: 'boolean' },
      'all-providers': { type: 'boolean' },
      'all-tools': { type: 'boolean' },
      'no-tools': { type: 'boolean' },
      rate: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, name, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra.slice(0, 40)}": toolwire client ${action ?? ''} takes one NAME.`);
  if (action !== 'add' && action !== 'update' && (values.provider || values.tool || values.admin)) {
    throw new UsageError('--provider, --tool and --admin belong to `toolwire client add` and `toolwire client update`.');
  }
  const updateOnly = ['no-admin', 'all-providers', 'all-tools', 'no-tools'] as const;
  const misplaced = updateOnly.find((flag) => values[flag] && action !== 'update');
  if (misplaced) throw new UsageError(`--${misplaced} belongs to \`toolwire client update\`.`);
  if (values.rate !== undefined && action !== 'add' && action !== 'update' && action !== 'limit') {
    throw new UsageError('--rate belongs to `toolwire client add`, `client update` and `client limit`.');
  }
  const rateLimit = values.rate === undefined ? undefined : { perMinute: rateOf(values.rate) };
  const app = await createApp(ctx.config);
  try {
    const { clients } = app.catalog;
    switch (action) {
      case 'add': {
        const input = {
          name: need(name, 'add'),
          providers: values.provider ?? [],
          tools: values.tool ?? [],
          admin: values.admin === true,
          ...(rateLimit ? { rateLimit } : {}),
        };
        const { client, token } = await clients.addClient(input);
        printToken(ctx, token, `Client "${client.name}" created.`);
        return 0;
      }
      case 'update': {
        const updated = await clients.updateClient(need(name, 'update'), updateChange(values, rateLimit));
        ctx.stderr(`Client "${updated.name}" updated; its open sessions end and its next request has the new scope.\n`);
        ctx.stdout(json(updated));
        return 0;
      }
      case 'list': {
        const list = await clients.listClients();
        ctx.stdout(values.json ? json(list) : clientTable(list));
        return 0;
      }
      case 'remove': {
        const removed = await clients.removeClient(need(name, 'remove'));
        ctx.stderr(`Client "${removed.name}" removed; its token no longer works.\n`);
        return 0;
      }
      case 'rotate': {
        const issued = await clients.rotateClient(need(name, 'rotate'));
        printToken(ctx, issued.token, `Client "${issued.client.name}" has a new token; the old one no longer works.`);
        return 0;
      }
      case 'limit': {
        if (!rateLimit) throw new UsageError('Missing --rate N: toolwire client limit NAME --rate N (calls a minute; 0 removes the limit).');
        const updated = await clients.updateClient(need(name, 'limit'), { rateLimit });
        ctx.stderr(`Client "${updated.name}": ${updated.rateLimit ? `at most ${updated.rateLimit.perMinute} calls a minute` : 'no rate limit'}.\n`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown client action "${action ?? ''}": use add, list, update, limit, remove or rotate.`);
    }
  } finally {
    await app.close();
  }
};
