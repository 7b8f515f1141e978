import { parseArgs } from 'node:util';
import { providerTarget } from '../core/model.js';
import { ToolwireError } from '../core/errors.js';
import { createApp, type App } from '../app.js';
import { droppedSecretsNote } from '../catalog/moved-secrets.js';
import { presentProvider, presentTool } from '../catalog/views.js';
import { CLI_RULES } from '../catalog/write-rules.js';
import type { Command, CommandContext } from './context.js';
import { UsageError } from './context.js';
import { json, table } from './format.js';
import { parseJson, readJson } from './input.js';

/** `provider …` and `tool …`: CRUD on the registry, secrets never printed. */

async function withApp<T>(ctx: CommandContext, fn: (app: App) => Promise<T> | T): Promise<T> {
  const app = await createApp(ctx.config);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

function options(ctx: CommandContext, spec: Record<string, { readonly type: 'string' | 'boolean'; readonly multiple?: boolean }>) {
  return parseArgs({ args: ctx.args, options: spec, allowPositionals: true, strict: true });
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`Missing ${what}.`);
  return value;
}

/** Flags that set provider fields, so an upstream MCP server can be added without writing JSON. */
const PROVIDER_FLAGS = {
  kind: { type: 'string' },
  code: { type: 'string' },
  name: { type: 'string' },
  'base-url': { type: 'string' },
  url: { type: 'string' },
  protocol: { type: 'string' },
  'api-key': { type: 'string' },
  command: { type: 'string' },
  arg: { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  header: { type: 'string', multiple: true },
} as const;

type FlagValues = { [K in keyof typeof PROVIDER_FLAGS]?: (typeof PROVIDER_FLAGS)[K] extends { multiple: true } ? string[] : string };

function keyValues(list: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (!list) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--${flag} takes NAME=VALUE; one of them has no name or no "=" (its value is not repeated here in case it is a secret).`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** The provider fields given as flags (only those given), laid over the JSON input if there is one. */
function providerFromFlags(values: FlagValues): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    kind: values.kind,
    code: values.code,
    name: values.name,
    baseUrl: values['base-url'],
    url: values.url,
    protocol: values.protocol,
    apiKeyValue: values['api-key'],
    command: values.command,
    args: values.arg,
    env: keyValues(values.env, 'env'),
    customHeaders: keyValues(values.header, 'header'),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

async function providerInput(
  ctx: CommandContext,
  source: string | undefined,
  flags: Record<string, unknown>,
  what: string,
  creating: boolean,
): Promise<unknown> {
  if (source === undefined && Object.keys(flags).length === 0) return readJson(ctx, source, what);
  const base = source === undefined ? {} : await readJson(ctx, source, what);
  if (!base || typeof base !== 'object' || Array.isArray(base)) return base; // the catalog names the problem
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>), ...flags };
  if (creating && merged.name === undefined && typeof merged.code === 'string') merged.name = merged.code;
  return merged;
}

export const providerCommand: Command = async (ctx) => {
  const { values, positionals } = options(ctx, { json: { type: 'boolean' }, ...PROVIDER_FLAGS });
  const [action, target, source] = positionals;
  const flags = providerFromFlags(values as FlagValues);
  return withApp(ctx, async ({ catalog }) => {
    switch (action) {
      case 'add': {
        const created = await catalog.createProvider(await providerInput(ctx, target, flags, 'provider', true), CLI_RULES);
        ctx.stderr(`Provider "${created.code}" created (id ${created.id}).\n`);
        ctx.stdout(json(presentProvider(created)));
        return 0;
      }
      case 'list': {
        const providers = await catalog.listProviders();
        if (values.json) ctx.stdout(json(providers.map(presentProvider)));
        else {
          const counts = new Map<number, number>();
          for (const t of await catalog.listTools()) counts.set(t.providerId, (counts.get(t.providerId) ?? 0) + 1);
          ctx.stdout(
            table([
              ['CODE', 'NAME', 'AUTH', 'TOOLS', 'ENABLED', 'BASE URL'],
              ...providers.map((p) => [
                p.code,
                p.name,
                p.isDynamicAuth ? `${p.authenticationType}+dynamic` : p.authenticationType,
                String(counts.get(p.id) ?? 0),
                p.enabled ? 'yes' : 'no',
                providerTarget(p),
              ]),
            ]),
          );
        }
        return 0;
      }
      case 'show':
        ctx.stdout(json(presentProvider(await catalog.getProvider(need(target, 'provider code')))));
        return 0;
      case 'update': {
        const { provider: updated, droppedSecrets } = await catalog.updateProvider(
          need(target, 'provider code'),
          await providerInput(ctx, source, flags, 'provider update', false),
          CLI_RULES,
        );
        ctx.stderr(`Provider "${updated.code}" updated.\n`);
        if (droppedSecrets.length > 0) ctx.stderr(droppedSecretsNote(updated.code, droppedSecrets));
        ctx.stdout(json(presentProvider(updated)));
        return 0;
      }
      case 'remove': {
        const removed = await catalog.removeProvider(need(target, 'provider code'));
        ctx.stderr(`Provider "${removed.code}" and its tools removed.\n`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown provider action "${action ?? ''}": use add, list, show, update, remove or test.`);
    }
  });
};

export const toolCommand: Command = async (ctx) => {
  const { values, positionals } = options(ctx, { json: { type: 'boolean' }, provider: { type: 'string' } });
  const [action, target, source] = positionals;
  return withApp(ctx, async (app) => {
    const { catalog } = app;
    switch (action) {
      case 'add': {
        const created = await catalog.createTool(await readJson(ctx, target, 'tool'));
        ctx.stderr(`Tool "${created.code}" created (id ${created.id}).\n`);
        ctx.stdout(json(presentTool(created)));
        return 0;
      }
      case 'list': {
        const tools = await catalog.listTools(typeof values.provider === 'string' ? values.provider : undefined);
        if (values.json) ctx.stdout(json(tools.map(presentTool)));
        else
          ctx.stdout(
            table([
              ['CODE', 'PROVIDER', 'METHOD', 'PATH', 'ENABLED'],
              ...tools.map((t) => [t.code, t.providerCode, t.httpMethod, t.endpointPath, t.enabled ? 'yes' : 'no']),
            ]),
          );
        return 0;
      }
      case 'show':
        ctx.stdout(json(presentTool(await catalog.getTool(need(target, 'tool code')))));
        return 0;
      case 'update': {
        const updated = await catalog.updateTool(need(target, 'tool code'), await readJson(ctx, source, 'tool update'));
        ctx.stderr(`Tool "${updated.code}" updated.\n`);
        ctx.stdout(json(presentTool(updated)));
        return 0;
      }
      case 'remove': {
        const removed = await catalog.removeTool(need(target, 'tool code'));
        ctx.stderr(`Tool "${removed.code}" removed.\n`);
        return 0;
      }
      case 'call':
        return callTool(ctx, app, need(target, 'tool code'), source);
      default:
        throw new UsageError(`Unknown tool action "${action ?? ''}": use add, list, show, update, remove or call.`);
    }
  });
};

/** Runs one call exactly as an agent would: through an MCP client connected to our server in memory. */
async function callTool(ctx: CommandContext, app: App, code: string, argsJson: string | undefined): Promise<number> {
  const { Client, InMemoryTransport } = await import('@modelcontextprotocol/client');
  const { createMcpServer } = await import('../inbound/mcp/server.js');
  const args = argsJson === undefined ? {} : parseJson(argsJson, 'ARGS_JSON');
  if (args === null || typeof args !== 'object' || Array.isArray(args))
    throw new UsageError('ARGS_JSON must be a JSON object, such as \'{"owner":"octocat"}\'.');
  await app.registry.load();
  if (
    !app.registry.current().entries.has(code) &&
    (await app.catalog.listProviders()).some((p) => p.kind === 'mcp' && p.enabled && code.startsWith(`${p.code}__`))
  ) {
    // A tool of an upstream MCP server: connect to it for this one call (closed with the app).
    const { startFederation } = await import('../outbound/federation/index.js');
    await (await startFederation(app)).settled(app.config.timeoutMs);
  }
  if (!app.registry.current().entries.has(code)) {
    throw new ToolwireError(
      'NOT_FOUND',
      `No tool "${code}" is served: \`toolwire tool list\` shows the tools (a disabled tool, or one of a disabled or meta-mode provider, is not served directly).`,
    );
  }
  const server = createMcpServer(app.registry, { pageSize: app.config.pageSize });
  const client = new Client({ name: 'toolwire-cli', version: '1' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    const result = await client.callTool({ name: code, arguments: args as Record<string, unknown> });
    ctx.stdout(json(result));
    return result.isError ? 1 : 0;
  } finally {
    await client.close();
  }
}
