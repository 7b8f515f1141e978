import { randomBytes } from 'node:crypto';
import type { App } from '../app.js';
import { DEFAULT_HTTP_HOST, httpClientConfig } from './config-command.js';
import type { CommandContext } from './context.js';
import { ToolwireError } from '../core/errors.js';
import { loadClientToken, tokenFilePath } from '../store/secret-files.js';
import { isLoopbackHost } from '../inbound/http/guards.js';
import { startHttpServer, type ExtraRoute } from '../inbound/http/server.js';

export interface ServeHttpFlags {
  host: string;
  port: string;
  stateless: boolean;
  noAuth: boolean;
}

const isWildcard = (host: string) => ['0.0.0.0', '::', '[::]'].includes(host);

/**
 * The bearer token for /mcp and /admin. SQLite: TOOLWIRE_TOKEN, else the token file beside the database.
 * PostgreSQL has no file beside it, and every instance behind one balancer must take the same token, so
 * TOOLWIRE_TOKEN is required; with --no-auth (loopback, one instance) /admin gets a random token for this
 * process alone. `create: false` only checks (before the database is opened): no file is made.
 */
export function clientToken(ctx: CommandContext, flags: Pick<ServeHttpFlags, 'noAuth'>, create = true): { token: string; created: boolean } {
  const { config } = ctx;
  if (config.database.dialect === 'sqlite' || config.clientToken !== null) {
    return create ? loadClientToken(config.dbPath, config.clientToken) : { token: '', created: false };
  }
  if (flags.noAuth) return { token: `tw_${randomBytes(24).toString('base64url')}`, created: true };
  throw new ToolwireError(
    'CONFIG',
    `TOOLWIRE_TOKEN is required for \`serve --http\` with PostgreSQL (${config.dbPath}): there is no file beside a URL to keep a token in, and every instance serving this database must accept the same one. Set it on every instance to one value made with \`openssl rand -hex 32\` (or use --no-auth on a loopback host for a single local instance).`,
  );
}

/** `serve --http`: checks the flags, starts, prints how to connect, and stops gracefully on a signal. */
export async function serveHttp(ctx: CommandContext, app: App, flags: ServeHttpFlags, extraRoutes: ExtraRoute[] = []): Promise<number> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ToolwireError('INVALID_INPUT', `--port must be a whole number from 0 to 65535 (got "${flags.port}").`);
  }
  if (flags.noAuth && !isLoopbackHost(flags.host)) {
    throw new ToolwireError(
      'INVALID_INPUT',
      `--no-auth is accepted only on a loopback host (127.0.0.1, localhost, ::1), not "${flags.host}": without client auth anyone who can reach the port could call your APIs with your credentials.`,
    );
  }
  const { token, created } = clientToken(ctx, flags);
  const running = await startHttpServer(app, { host: flags.host, port, stateless: flags.stateless, noAuth: flags.noAuth, token }, extraRoutes);
  app.registry.watch();
  const snippet = httpClientConfig('claude-code', running.url) as { mcpServers: { toolwire: { headers: Record<string, string> } } };
  snippet.mcpServers.toolwire.headers.Authorization = `Bearer ${token}`;
  ctx.stdout(
    [
      `toolwire is serving ${app.registry.current().definitions.length} tool(s) over Streamable HTTP${flags.stateless ? ' (stateless)' : ''}.`,
      `MCP URL:      ${running.url}`,
      ctx.config.publicUrl ? `Public URL:   ${ctx.config.publicUrl}/mcp (TOOLWIRE_PUBLIC_URL)` : '',
      isWildcard(flags.host) && !ctx.config.publicUrl && ctx.config.allowedHosts.length === 0
        ? "Host names:   only this machine's addresses and localhost are answered; add the names clients use to TOOLWIRE_ALLOWED_HOSTS."
        : '',
      flags.noAuth ? 'Client auth:  off for /mcp (--no-auth); /admin still needs the token.' : '',
      `Bearer token: ${token}${created ? (ctx.config.database.dialect === 'sqlite' ? ` (new; kept in ${tokenFilePath(ctx.config.dbPath)})` : ' (this process only: /admin needs it; set TOOLWIRE_TOKEN to keep one)') : ''}`,
      `Admin API:    ${running.url.replace(/\/mcp$/, '/admin')}`,
      `Other clients: toolwire config http${flags.host === DEFAULT_HTTP_HOST ? '' : ` --host ${flags.host}`} --port ${new URL(running.url).port || '80'} (VS Code, Cursor, Claude Desktop, claude mcp add)`,
      'Client config:',
      JSON.stringify(snippet, null, 2),
      '',
    ]
      .filter((line) => line !== '')
      .join('\n') + '\n',
  );
  const signal = await ctx.stopSignal;
  app.log.info(`${signal}: finishing in-flight requests, then stopping`);
  await running.close();
  return 0;
}
