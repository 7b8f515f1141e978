import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { type ClientIdentity, NO_TOOL_GLOB } from '../core/identity.js';
import type { Command, CommandContext } from './context.js';
import { UsageError } from './context.js';
import { json, table } from './format.js';

/** `client add|list|remove|rotate`: identities for a shared server (SPEC §11). A token is printed once, alone on stdout. */

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
    ['NAME', 'PROVIDERS', 'TOOLS', 'ADMIN', 'CREATED', 'SUBJECT'],
    ...clients.map((c) => [c.name, listed(c.providers), listed(c.tools), c.admin ? 'yes' : 'no', c.createdAt, c.subject ?? '-']),
  ]);
}

export const clientCommand: Command = async (ctx) => {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    options: {
      provider: { type: 'string', multiple: true },
      tool: { type: 'string', multiple: true },
      admin: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, name, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra.slice(0, 40)}": toolwire client ${action ?? ''} takes one NAME.`);
  if (action !== 'add' && (values.provider || values.tool || values.admin)) {
    throw new UsageError('--provider, --tool and --admin belong to `toolwire client add`.');
  }
  const app = createApp(ctx.config);
  try {
    const { clients } = app.catalog;
    switch (action) {
      case 'add': {
        const input = { name: need(name, 'add'), providers: values.provider ?? [], tools: values.tool ?? [], admin: values.admin === true };
        const { client, token } = clients.addClient(input);
        printToken(ctx, token, `Client "${client.name}" created.`);
        return 0;
      }
      case 'list': {
        const list = clients.listClients();
        ctx.stdout(values.json ? json(list) : clientTable(list));
        return 0;
      }
      case 'remove': {
        const removed = clients.removeClient(need(name, 'remove'));
        ctx.stderr(`Client "${removed.name}" removed; its token no longer works.\n`);
        return 0;
      }
      case 'rotate': {
        const issued = clients.rotateClient(need(name, 'rotate'));
        printToken(ctx, issued.token, `Client "${issued.client.name}" has a new token; the old one no longer works.`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown client action "${action ?? ''}": use add, list, remove or rotate.`);
    }
  } finally {
    await app.close();
  }
};
