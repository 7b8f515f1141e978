#!/usr/bin/env node
import { loadConfig } from './config.js';
import { isToolwireError } from './core/errors.js';
import type { Command, CommandContext } from './commands/context.js';
import { cliFailure } from './commands/exit-codes.js';

/**
 * The only file that reads argv and the environment and ends the process. Every failure becomes a
 * one-paragraph message on stderr and a non-zero exit code; stdout carries only command output
 * (and, for `serve`, only MCP messages).
 */

const USAGE = `Usage: toolwire [--db PATH|URL] COMMAND

  serve [--http [--host H] [--port P] [--stateless] [--no-auth]]   run the MCP server (stdio by default)
  start                                                            HTTP on 127.0.0.1:8808 with the examples loaded
  import FILE [--dry-run] [--prune] [--json]                       import providers and tools (export or OpenAPI)
    OpenAPI: [--provider CODE] [--base-url URL] [--include TAG|GLOB ...] [--exclude ...] [--meta | --tool-mode direct|meta|auto]
  export [--out FILE] [--provider CODE ...]                        export providers, secrets as placeholders
  provider add|list|show|update|remove|test ...                    manage providers (JSON file, - or inline)
    upstream MCP server: provider add --kind mcp --code C (--url U [--protocol sse] [--api-key K]
                         | --command CMD [--arg A ...] [--env K=V ...])
  tool add|list|show|update|remove|call ...                        manage tools; call one as an agent would
  client add NAME [--provider CODE ...] [--tool GLOB ...] [--admin] [--rate N]
                                                                   an identity for serve --http; prints its token once
  client update NAME [--provider CODE ... | --all-providers] [--tool GLOB ... | --all-tools | --no-tools]
                     [--admin | --no-admin]                        change its scope (each list given replaces the old)
  client list [--json] | client remove NAME | client rotate NAME   list, remove, or give a new token (old one stops)
  client limit NAME --rate N                                       its calls a minute (0: no limit)
  audit [--client N] [--tool T] [--since ISO] [--limit N] [--json] the audit log, newest first
  credential set --client NAME --provider CODE                     a client's own credential (JSON on stdin) for a
                                                                   per_user provider; list --client NAME [--json];
                                                                   remove --client NAME --provider CODE
  config [claude|vscode|cursor]                                    print a client-config entry (stdio)
  config http [CLIENT] [--host H] [--port P]                       the same for serve --http; CLIENT: claude-code,
                                                                   vscode, cursor or claude-desktop (else all)
  key rotate | key finish                                          re-encrypt every secret with TOOLWIRE_NEW_SECRET_KEY;
                                                                   then retire the old key (after servers restarted)
  db copy SOURCE TARGET                                            copy a whole database into an empty one: each a
                                                                   SQLite path or postgres://user:pass@host:5432/db
                                                                   (same master key: TOOLWIRE_SECRET_KEY or SOURCE's
                                                                   key file, copied beside a SQLite TARGET)

  --db PATH|URL, TOOLWIRE_DB: a SQLite file (default ~/.local/share/toolwire/toolwire.db) or a PostgreSQL URL
  (then TOOLWIRE_SECRET_KEY is required, and TOOLWIRE_TOKEN for serve --http; TOOLWIRE_DB_POOL: connections, 10)
`;

async function loadCommand(name: string): Promise<Command | null> {
  switch (name) {
    case 'serve':
      return (await import('./commands/serve.js')).serveCommand;
    case 'start':
      return (await import('./commands/start.js')).startCommand;
    case 'import':
      return (await import('./commands/io-commands.js')).importCommand;
    case 'export':
      return (await import('./commands/io-commands.js')).exportCommand;
    case 'provider':
      return (await import('./commands/provider-command.js')).providerCommandWithTest;
    case 'tool':
      return (await import('./commands/registry-commands.js')).toolCommand;
    case 'config':
      return (await import('./commands/config-command.js')).configCommand;
    case 'key':
      return (await import('./commands/key-command.js')).keyCommand;
    case 'client':
      return (await import('./commands/client-command.js')).clientCommand;
    case 'credential':
      return (await import('./commands/credential-command.js')).credentialCommand;
    case 'audit':
      return (await import('./commands/audit-command.js')).auditCommand;
    case 'db':
      return (await import('./commands/db-command.js')).dbCommand;
    default:
      return null;
  }
}

/** Pulls the global `--db PATH` (anywhere on the line) out of the arguments. */
function splitGlobal(argv: string[]): { db: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let db: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--db') db = argv[++i];
    else if (arg.startsWith('--db=')) db = arg.slice(5);
    else rest.push(arg);
  }
  return { db, rest };
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

async function main(argv: string[]): Promise<number> {
  const { db, rest } = splitGlobal(argv);
  const [name, ...args] = rest;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(USAGE);
    return name ? 0 : 2;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`toolwire: unknown command "${name}".\n${USAGE}`);
    return 2;
  }
  const stopSignal = new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
  const ctx: CommandContext = {
    args,
    config: loadConfig(process.env, { db }),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    readStdin,
    stopSignal,
  };
  return command(ctx);
}

function report(err: unknown): number {
  if (isToolwireError(err)) {
    const { text, exit } = cliFailure(err.code, err.message);
    process.stderr.write(text);
    return exit;
  }
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    process.stderr.write(`toolwire: ${(err as Error).message}. Run \`toolwire --help\` for usage.\n`);
    return 2;
  }
  process.stderr.write(`toolwire: unexpected failure: ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}

/**
 * A reader that went away (`toolwire tool list | head -1`) ends the command quietly, as it would for
 * any Unix tool: the output nobody reads is dropped, no EPIPE stack trace. For `serve` over stdio it is
 * the client closing its end. A closed stderr is ignored (there is nowhere left to say anything).
 */
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw err;
});
process.stderr.on('error', () => {});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Open keep-alive sockets or watchers must not keep a finished command alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err) => {
    process.exitCode = report(err);
    setTimeout(() => process.exit(process.exitCode as number), 200).unref();
  },
);
