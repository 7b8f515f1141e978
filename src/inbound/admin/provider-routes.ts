import type { App } from '../../app.js';
import { presentProvider } from '../../catalog/views.js';
import { ToolwireError } from '../../core/errors.js';
import type { Provider } from '../../core/model.js';
import { expectObject, type RequestContext } from '../web/context.js';
import type { Route } from '../web/routing.js';
import { httpWriteRules } from '../web/write-rules.js';

/** A provider by its numeric id, or a 404 that says how to find the ids. */
export function requireProvider(app: App, id: number): Provider {
  const found = app.store.providers.findById(id);
  if (!found) throw new ToolwireError('NOT_FOUND', `No provider with id ${id}. GET /admin/providers lists the providers and their ids.`);
  return found;
}

async function create(ctx: RequestContext) {
  const body = expectObject(await ctx.body(), 'provider');
  const created = ctx.app.catalog.createProvider(body, httpWriteRules(ctx.app));
  return { status: 201, body: presentProvider(created), headers: { location: `/admin/providers/${created.id}` } };
}

async function update(ctx: RequestContext) {
  const existing = requireProvider(ctx.app, ctx.id());
  const body = expectObject(await ctx.body(), 'provider');
  const { provider, droppedSecrets } = ctx.app.catalog.updateProvider(existing.id, body, httpWriteRules(ctx.app));
  // Beside the HandsAI shape: which stored secrets were dropped because the provider's host moved.
  return { status: 200, body: droppedSecrets.length > 0 ? { ...presentProvider(provider), droppedSecrets } : presentProvider(provider) };
}

/** HandsAI's `/admin/providers` routes. Every answer is the masked view: no apiKeyValue, masked maps. */
export const providerRoutes: Route[] = [
  {
    pattern: '/providers',
    methods: {
      GET: (ctx) => ({ status: 200, body: ctx.app.catalog.listProviders().map(presentProvider) }),
      POST: create,
    },
  },
  {
    pattern: '/providers/:id',
    methods: {
      GET: (ctx) => ({ status: 200, body: presentProvider(requireProvider(ctx.app, ctx.id())) }),
      PUT: update,
      DELETE: (ctx) => {
        ctx.app.catalog.removeProvider(requireProvider(ctx.app, ctx.id()).id);
        return { status: 204 };
      },
    },
  },
];
