import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import type { DatabaseTarget } from '../core/database-target.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { json } from './format.js';
import { keyFilePath, tokenFilePath } from '../store/secret-files.js';

const CLI_PATH = fileURLToPath(new URL('../cli.js', import.meta.url));

/** Where `serve --http` listens unless told otherwise; `config http` assumes the same. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = '8808';

/** `${name}`, written for the client to fill in (its own interpolation), not by us. */
const clientVar = (name: string) => `\${${name}}`;

/** The HTTP clients `config http CLIENT` prints one entry for, each in the form its own docs give. */
export const HTTP_CLIENTS = ['claude-code', 'vscode', 'cursor', 'claude-desktop'] as const;
export type HttpClient = (typeof HTTP_CLIENTS)[number];

/**
 * Client-config snippets that run this install by absolute path, so no published package is needed.
 * `secretKey`: the master key from TOOLWIRE_SECRET_KEY, which the entry must carry, or the server it
 * starts would find no key (and the database's secrets would not open).
 */
export function clientConfig(
  kind: string,
  database: DatabaseTarget,
  secretKey: Buffer | null = null,
  url = `http://${DEFAULT_HTTP_HOST}:${DEFAULT_HTTP_PORT}/mcp`,
): unknown {
  const env: Record<string, string> = { TOOLWIRE_DB: database.dialect === 'sqlite' ? resolve(database.path) : withoutPassword(database.url) };
  // The database password is never printed: the entry names where it goes (pg reads PGPASSWORD, or ~/.pgpass).
  if (database.dialect === 'postgres' && hasPassword(database.url)) env.PGPASSWORD = '<the database password>';
  if (secretKey) env.TOOLWIRE_SECRET_KEY = secretKey.toString('base64');
  const stdio = { command: process.execPath, args: [CLI_PATH, 'serve'], env };
  switch (kind) {
    case 'claude':
    case 'cursor':
      return { mcpServers: { toolwire: stdio } };
    case 'vscode':
      return { servers: { toolwire: { type: 'stdio', ...stdio } } };
    case 'http':
      return httpClientConfig('claude-code', url);
    default:
      throw new UsageError(`Unknown client "${kind}": use claude, vscode, cursor or http.`);
  }
}

const USERINFO_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i;
const hasPassword = (url: string) => USERINFO_PASSWORD.test(url);
/** The PostgreSQL URL with no password at all (not even masked): what a client-config entry may carry. */
const withoutPassword = (url: string) => url.replace(USERINFO_PASSWORD, '$1@');

/**
 * One HTTP client's entry for `url`, the token left as a reference the client resolves (an environment
 * variable or a prompt), never the token itself. `claude-code` is the `.mcp.json` entry (the shape
 * `config http` has always printed on stdout); its `claude mcp add` command is `claudeCodeCommand`.
 */
export function httpClientConfig(client: HttpClient, url: string): unknown {
  switch (client) {
    case 'claude-code':
      return { mcpServers: { toolwire: { type: 'http', url, headers: { Authorization: `Bearer ${clientVar('TOOLWIRE_TOKEN')}` } } } };
    case 'vscode':
      return {
        inputs: [{ type: 'promptString', id: 'toolwire-token', description: 'toolwire bearer token', password: true }],
        servers: { toolwire: { type: 'http', url, headers: { Authorization: `Bearer ${clientVar('input:toolwire-token')}` } } },
      };
    case 'cursor':
      return { mcpServers: { toolwire: { url, headers: { Authorization: `Bearer ${clientVar('env:TOOLWIRE_TOKEN')}` } } } };
    case 'claude-desktop': {
      // Claude Desktop's config file starts local processes only: mcp-remote bridges to the URL. It refuses
      // plain http to anything but localhost unless told, and the header is passed through its env (no
      // space after the colon: some clients split arguments on spaces).
      const local = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url);
      const args = [
        '-y',
        'mcp-remote',
        url,
        '--header',
        `Authorization:${clientVar('TOOLWIRE_AUTH_HEADER')}`,
        ...(url.startsWith('http:') && !local ? ['--allow-http'] : []),
      ];
      return { mcpServers: { toolwire: { command: 'npx', args, env: { TOOLWIRE_AUTH_HEADER: 'Bearer <TOOLWIRE_TOKEN>' } } } };
    }
  }
}

/** The Claude Code command line; the shell fills in $TOOLWIRE_TOKEN when it runs. */
export function claudeCodeCommand(url: string): string {
  return `claude mcp add --transport http toolwire ${url} --header "Authorization: Bearer $TOOLWIRE_TOKEN"`;
}

/** The URL clients use: TOOLWIRE_PUBLIC_URL when set, else the address `serve --http` binds with these flags. */
export function httpClientUrl(config: Config, host = DEFAULT_HTTP_HOST, port = DEFAULT_HTTP_PORT): string {
  if (config.publicUrl) return `${config.publicUrl}/mcp`;
  const wildcard = ['0.0.0.0', '::', '[::]'].includes(host);
  const name = wildcard ? DEFAULT_HTTP_HOST : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${name}:${port}/mcp`;
}

export const configCommand: Command = async (ctx) => {
  const { values, positionals } = parseArgs({ args: ctx.args, options: { host: { type: 'string' }, port: { type: 'string' } }, allowPositionals: true });
  const [kind = 'claude', client, ...extra] = positionals;
  if (kind !== 'http') {
    if (client !== undefined || extra.length > 0 || values.host !== undefined || values.port !== undefined) {
      throw new UsageError(`\`toolwire config ${kind}\` takes no other argument: --host, --port and a client name are for \`toolwire config http\`.`);
    }
    const { database } = ctx.config;
    ctx.stdout(json(clientConfig(kind, database, ctx.config.secretKey)));
    if (database.dialect === 'postgres') ctx.stderr(`${postgresNote(kind, database)}\n`);
    else if (ctx.config.secretKey) ctx.stderr(`${secretKeyWarning(kind, ctx.config.dbPath)}\n`);
    return 0;
  }
  if (extra.length > 0 || (client !== undefined && !(HTTP_CLIENTS as readonly string[]).includes(client))) {
    throw new UsageError(`Unknown client "${client}" for \`toolwire config http\`: use ${HTTP_CLIENTS.join(', ')}, or none for all of them.`);
  }
  const port = values.port ?? DEFAULT_HTTP_PORT;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new UsageError(`--port must be the port \`toolwire serve --http\` listens on, a whole number from 1 to 65535 (got "${port}").`);
  }
  const url = httpClientUrl(ctx.config, values.host, port);
  const tokenNote =
    ctx.config.database.dialect === 'postgres'
      ? 'The token is TOOLWIRE_TOKEN, the one every `toolwire serve --http` instance on this PostgreSQL database is started with.'
      : `The token is the one \`toolwire serve --http\` prints at start (TOOLWIRE_TOKEN when set, else kept in ${tokenFilePath(resolve(ctx.config.dbPath))}).`;
  if (client === 'claude-code') ctx.stdout(`${claudeCodeCommand(url)}\n`);
  else ctx.stdout(json(httpClientConfig((client as HttpClient | undefined) ?? 'claude-code', url)));
  ctx.stderr(client === undefined ? `${httpGuide(url)}\n${tokenNote}\n` : `${tokenNote}\n`);
  return 0;
};

/** What `config http` says beside its stdout entry: each client's form, as its current docs give it. */
function httpGuide(url: string): string {
  const compact = (client: HttpClient) => JSON.stringify(httpClientConfig(client, url));
  return [
    `Above: Claude Code's .mcp.json entry for ${url} (it reads TOOLWIRE_TOKEN from the environment). Each client's own form:`,
    `- Claude Code: ${claudeCodeCommand(url)}`,
    `- VS Code (.vscode/mcp.json or the user mcp.json; asks for the token once): ${compact('vscode')}`,
    `- Cursor (~/.cursor/mcp.json or .cursor/mcp.json; reads TOOLWIRE_TOKEN from the environment): ${compact('cursor')}`,
    `- Claude Desktop (claude_desktop_config.json, through mcp-remote; put the token in place of <TOOLWIRE_TOKEN>): ${compact('claude-desktop')}`,
    '  Settings → Connectors → "Add custom connector" takes the URL alone: it needs a public https URL (TOOLWIRE_PUBLIC_URL) and OAuth (TOOLWIRE_OAUTH_ISSUER), not the bearer token.',
    `One client's entry alone on stdout: toolwire config http ${HTTP_CLIENTS.join('|')} [--host H] [--port P] (the --host and --port given to serve --http).`,
  ].join('\n');
}

/** With PostgreSQL: the key must be in the entry (no key file), and the password is left for the user to give. */
function postgresNote(kind: string, database: Extract<DatabaseTarget, { dialect: 'postgres' }>): string {
  const password = hasPassword(database.url)
    ? ` The database password is not printed: put it in place of <the database password> (PGPASSWORD), or in ~/.pgpass and drop PGPASSWORD.`
    : '';
  return `Warning: this entry holds the master key (TOOLWIRE_SECRET_KEY, from your environment) in clear text: the server it starts needs it to open the secrets in ${database.display}, and PostgreSQL keeps no key file. Anyone who can read the ${kind} config file can decrypt them: keep that file private and out of version control.${password}`;
}

/** The entry carries the master key: whoever reads the client's config file can open every stored secret. */
function secretKeyWarning(kind: string, dbPath: string): string {
  const keyFile = keyFilePath(resolve(dbPath));
  return `Warning: this entry holds the master key (TOOLWIRE_SECRET_KEY, from your environment) in clear text, since the server it starts needs it to open the secrets in ${resolve(dbPath)}; anyone who can read the ${kind} config file can decrypt them. Keep that file private and out of version control, or keep the key in a key file instead: \`(umask 077; printf '%s\\n' "$TOOLWIRE_SECRET_KEY" > ${keyFile})\`, then unset TOOLWIRE_SECRET_KEY and run \`toolwire config ${kind}\` again for an entry without it.`;
}
