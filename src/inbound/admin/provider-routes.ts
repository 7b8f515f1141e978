import type { Catalog } from '../../catalog/catalog.js';
import { presentProvider } from '../../catalog/views.js';
import { ToolwireError } from '../../core/errors.js';
import type { Provider } from '../../core/model.js';
import { expectObject, type RequestContext } from '../web/context.js';
import type { Route } from '../web/routing.js';
import type { AdminDeps } from './deps.js';

type Ctx = RequestContext<AdminDeps>;

/** A provider by its numeric id, or a 404 that says how to find the ids. */
export async function requireProvider(catalog: Catalog, id: number): Promise<Provider> {
  const found = await catalog.findProvider(id);
  if (!found) throw new ToolwireError('NOT_FOUND', `No provider with id ${id}. GET /admin/providers lists the providers and their ids.`);
  return found;
}

async function create(ctx: Ctx) {
  const body = expectObject(await ctx.body(), 'provider');
  const created = await ctx.deps.catalog.createProvider(body, ctx.deps.writeRules);
  return { status: 201, body: presentProvider(created), headers: { location: `/admin/providers/${created.id}` } };
}

async function update(ctx: Ctx) {
  const existing = await requireProvider(ctx.deps.catalog, ctx.id());
  const body = expectObject(await ctx.body(), 'provider');
  const { provider, droppedSecrets } = await ctx.deps.catalog.updateProvider(existing.id, body, ctx.deps.writeRules);
  // Beside the HandsAI shape: which stored secrets were dropped because the provider's host moved.
  return { status: 200, body: droppedSecrets.length > 0 ? { ...presentProvider(provider), droppedSecrets } : presentProvider(provider) };
}

/** HandsAI's `/admin/providers` routes. Every answer is the masked view: no apiKeyValue, masked maps. */
export const providerRoutes: Route<AdminDeps>[] = [
  {
    pattern: '/providers',
    methods: {
      GET: async (ctx) => ({ status: 200, body: (await ctx.deps.catalog.listProviders()).map(presentProvider) }),
      POST: create,
    },
  },
  {
    pattern: '/providers/:id',
    methods: {
      GET: async (ctx) => ({ status: 200, body: presentProvider(await requireProvider(ctx.deps.catalog, ctx.id())) }),
      PUT: update,
      DELETE: async (ctx) => {
        await ctx.deps.catalog.removeProvider((await requireProvider(ctx.deps.catalog, ctx.id())).id);
        return { status: 204 };
      },
    },
  },
];
