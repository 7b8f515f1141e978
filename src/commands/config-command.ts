import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { json } from './format.js';
import { tokenFilePath } from '../store/secret-files.js';

const CLI_PATH = fileURLToPath(new URL('../cli.js', import.meta.url));

/** Client-config snippets that run this install by absolute path, so no published package is needed. */
export function clientConfig(kind: string, dbPath: string, url = 'http://127.0.0.1:8808/mcp'): unknown {
  const stdio = { command: process.execPath, args: [CLI_PATH, 'serve'], env: { TOOLWIRE_DB: resolve(dbPath) } };
  switch (kind) {
    case 'claude':
    case 'cursor':
      return { mcpServers: { toolwire: stdio } };
    case 'vscode':
      return { servers: { toolwire: { type: 'stdio', ...stdio } } };
    case 'http':
      return { mcpServers: { toolwire: { type: 'http', url, headers: { Authorization: 'Bearer ${TOOLWIRE_TOKEN}' } } } };
    default:
      throw new UsageError(`Unknown client "${kind}": use claude, vscode, cursor or http.`);
  }
}

export const configCommand: Command = async (ctx) => {
  const kind = ctx.args[0] ?? 'claude';
  ctx.stdout(json(clientConfig(kind, ctx.config.dbPath)));
  if (kind === 'http') {
    ctx.stderr(
      `Replace \${TOOLWIRE_TOKEN} with the token that \`toolwire serve --http\` prints at start (kept in ${tokenFilePath(resolve(ctx.config.dbPath))} unless TOOLWIRE_TOKEN is set).\n`,
    );
  }
  return 0;
};
