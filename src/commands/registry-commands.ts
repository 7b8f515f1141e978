import { parseArgs } from 'node:util';
import { createApp } from '../app.js';
import { presentProvider, presentTool } from '../catalog/views.js';
import type { Command, CommandContext } from './context.js';
import { UsageError } from './context.js';
import { json, table } from './format.js';
import { parseJson, readJson } from './input.js';

/** `provider …` and `tool …`: CRUD on the registry, secrets never printed. */

function withApp<T>(ctx: CommandContext, fn: (app: ReturnType<typeof createApp>) => Promise<T> | T): Promise<T> {
  const app = createApp(ctx.config);
  return Promise.resolve()
    .then(() => fn(app))
    .finally(() => app.close());
}

function options(ctx: CommandContext, spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>) {
  return parseArgs({ args: ctx.args, options: spec, allowPositionals: true, strict: true });
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`Missing ${what}.`);
  return value;
}

export const providerCommand: Command = async (ctx) => {
  const { values, positionals } = options(ctx, { json: { type: 'boolean' } });
  const [action, target, source] = positionals;
  return withApp(ctx, async ({ catalog }) => {
    switch (action) {
      case 'add': {
        const created = catalog.createProvider(await readJson(ctx, target, 'provider'));
        ctx.stderr(`Provider "${created.code}" created (id ${created.id}).\n`);
        ctx.stdout(json(presentProvider(created)));
        return 0;
      }
      case 'list': {
        const providers = catalog.listProviders();
        if (values.json) ctx.stdout(json(providers.map(presentProvider)));
        else {
          const counts = new Map<number, number>();
          for (const t of catalog.listTools()) counts.set(t.providerId, (counts.get(t.providerId) ?? 0) + 1);
          ctx.stdout(table([['CODE', 'NAME', 'AUTH', 'TOOLS', 'ENABLED', 'BASE URL'], ...providers.map((p) => [
            p.code, p.name, p.isDynamicAuth ? `${p.authenticationType}+dynamic` : p.authenticationType,
            String(counts.get(p.id) ?? 0), p.enabled ? 'yes' : 'no', p.baseUrl ?? p.url ?? p.command ?? '',
          ])]));
        }
        return 0;
      }
      case 'show':
        ctx.stdout(json(presentProvider(catalog.getProvider(need(target, 'provider code')))));
        return 0;
      case 'update': {
        const updated = catalog.updateProvider(need(target, 'provider code'), await readJson(ctx, source, 'provider update'));
        ctx.stderr(`Provider "${updated.code}" updated.\n`);
        ctx.stdout(json(presentProvider(updated)));
        return 0;
      }
      case 'remove': {
        const removed = catalog.removeProvider(need(target, 'provider code'));
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
        const created = catalog.createTool(await readJson(ctx, target, 'tool'));
        ctx.stderr(`Tool "${created.code}" created (id ${created.id}).\n`);
        ctx.stdout(json(presentTool(created)));
        return 0;
      }
      case 'list': {
        const tools = catalog.listTools(typeof values.provider === 'string' ? values.provider : undefined);
        if (values.json) ctx.stdout(json(tools.map(presentTool)));
        else ctx.stdout(table([['CODE', 'PROVIDER', 'METHOD', 'PATH', 'ENABLED'], ...tools.map((t) => [t.code, t.providerCode, t.httpMethod, t.endpointPath, t.enabled ? 'yes' : 'no'])]));
        return 0;
      }
      case 'show':
        ctx.stdout(json(presentTool(catalog.getTool(need(target, 'tool code')))));
        return 0;
      case 'update': {
        const updated = catalog.updateTool(need(target, 'tool code'), await readJson(ctx, source, 'tool update'));
        ctx.stderr(`Tool "${updated.code}" updated.\n`);
        ctx.stdout(json(presentTool(updated)));
        return 0;
      }
      case 'remove': {
        const removed = catalog.removeTool(need(target, 'tool code'));
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
async function callTool(ctx: CommandContext, app: ReturnType<typeof createApp>, code: string, argsJson: string | undefined): Promise<number> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
  const { createMcpServer } = await import('../mcp/server.js');
  const args = argsJson === undefined ? {} : parseJson(argsJson, 'ARGS_JSON');
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new UsageError('ARGS_JSON must be a JSON object, such as \'{"owner":"octocat"}\'.');
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
