import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import type { CredentialSummary } from '../catalog/credentials.js';
import { ToolwireError } from '../core/errors.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { json, table } from './format.js';

/**
 * `credential set|list|remove`: a client's own credential for a per-user provider (SPEC §11). The values
 * come on stdin, never on the command line (where `ps` and shell history would keep them), and no
 * output ever shows one.
 */

function need(value: string | undefined, flag: string, action: string): string {
  if (!value) throw new UsageError(`Missing ${flag}: toolwire credential ${action} --client NAME${action === 'list' ? '' : ' --provider CODE'}.`);
  return value;
}

function credentialTable(list: CredentialSummary[]): string {
  return table([['PROVIDER', 'MODE', 'FIELDS', 'UPDATED'], ...list.map((c) => [c.provider, c.credentialMode, c.fields.join(','), c.updatedAt])]);
}

function parseSecrets(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ToolwireError(
      'INVALID_INPUT',
      'The credential on stdin is not JSON. Pipe a JSON object of the provider\'s secret fields, such as `echo \'{"apiKeyValue": "…"}\' | toolwire credential set --client NAME --provider CODE`. Nothing was written.',
    );
  }
}

export const credentialCommand: Command = async (ctx) => {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    options: { client: { type: 'string' }, provider: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const [action, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra.slice(0, 40)}": the values go on stdin, as JSON.`);
  if (action !== 'set' && action !== 'list' && action !== 'remove') {
    throw new UsageError(`Unknown credential action "${action ?? ''}": use set, list or remove.`);
  }
  const client = need(values.client, '--client', action);
  const provider = action === 'list' ? '' : need(values.provider, '--provider', action);
  // Read before opening the database: a slow pipe holds no lock.
  const secrets = action === 'set' ? parseSecrets(await ctx.readStdin()) : null;
  const app = await createApp(ctx.config);
  try {
    const { credentials } = app.catalog;
    if (action === 'set') {
      const summary = await credentials.setCredential(client, provider, secrets);
      ctx.stderr(
        `Client "${client}" has its own credential for provider "${summary.provider}" (${summary.fields.join(', ')}; mode ${summary.credentialMode}).\n`,
      );
    } else if (action === 'list') {
      const list = await credentials.listCredentials(client);
      ctx.stdout(values.json ? json(list) : credentialTable(list));
    } else {
      await credentials.removeCredential(client, provider);
      ctx.stderr(`Client "${client}" no longer has a credential of its own for provider "${provider}".\n`);
    }
    return 0;
  } finally {
    await app.close();
  }
};
