import type { App } from '../../app.js';
import { presentTool } from '../../catalog/views.js';
import { ToolwireError } from '../../core/errors.js';
import type { Tool } from '../../core/model.js';
import { expectObject, quote, type RequestContext } from '../web/context.js';
import { badRequest } from './errors.js';
import type { Route } from '../web/routing.js';
import { createToolBatch } from './tool-batch.js';
import { validateTool } from './validate.js';

/** A tool by its numeric id, or a 404 that says how to find the ids. */
export function requireTool(app: App, id: number): Tool {
  const found = app.store.tools.findById(id);
  if (!found) throw new ToolwireError('NOT_FOUND', `No tool with id ${id}. GET /admin/tools lists the tools and their ids.`);
  return found;
}

/** `?providerId=3` or `?provider=CODE` (also `providerCode`) narrows the list to one provider. */
function list(ctx: RequestContext) {
  const { catalog, store } = ctx.app;
  const rawId = ctx.query.get('providerId');
  const code = ctx.query.get('provider') ?? ctx.query.get('providerCode');
  if (rawId !== null) {
    if (!/^[0-9]{1,15}$/.test(rawId))
      throw badRequest(`The query parameter providerId must be a whole number, got ${quote(rawId)}.`, [
        { field: 'providerId', message: 'must be a whole number' },
      ]);
    if (!store.providers.findById(Number(rawId))) throw new ToolwireError('NOT_FOUND', `No provider with id ${rawId}.`);
    return { status: 200, body: catalog.listTools(Number(rawId)).map(presentTool) };
  }
  if (code !== null) {
    if (!store.providers.findByCode(code)) throw new ToolwireError('NOT_FOUND', `No provider with code ${quote(code)}.`);
    return { status: 200, body: catalog.listTools(code).map(presentTool) };
  }
  return { status: 200, body: catalog.listTools().map(presentTool) };
}

async function create(ctx: RequestContext) {
  const created = ctx.app.catalog.createTool(expectObject(await ctx.body(), 'tool'));
  return { status: 201, body: presentTool(created), headers: { location: `/admin/tools/${created.id}` } };
}

async function update(ctx: RequestContext) {
  const existing = requireTool(ctx.app, ctx.id());
  const body = expectObject(await ctx.body(), 'tool');
  return { status: 200, body: presentTool(ctx.app.catalog.updateTool(existing.id, body)) };
}

async function batch(ctx: RequestContext) {
  return { status: 201, body: createToolBatch(ctx.app.catalog, await ctx.body()).map(presentTool) };
}

const collection = { GET: list, POST: create };
const item = {
  GET: (ctx: RequestContext) => ({ status: 200, body: presentTool(requireTool(ctx.app, ctx.id())) }),
  PUT: update,
  DELETE: (ctx: RequestContext) => {
    ctx.app.catalog.removeTool(requireTool(ctx.app, ctx.id()).id);
    return { status: 204 };
  },
};
/** GET too: HandsAI's guide checks a tool with `curl .../admin/tools/api/{id}/validate`. */
const validate = {
  GET: (ctx: RequestContext) => validateTool(ctx.app, requireTool(ctx.app, ctx.id())),
  POST: (ctx: RequestContext) => validateTool(ctx.app, requireTool(ctx.app, ctx.id())),
};

/** `/admin/tools` and HandsAI's own `/admin/tools/api` aliases; literal paths come before `:id`. */
export const toolRoutes: Route[] = [
  { pattern: '/tools', methods: collection },
  { pattern: '/tools/api', methods: collection },
  { pattern: '/tools/api/batch', methods: { POST: batch } },
  { pattern: '/tools/api/:id', methods: item },
  { pattern: '/tools/api/:id/validate', methods: validate },
  { pattern: '/tools/:id', methods: item },
  { pattern: '/tools/:id/validate', methods: validate },
];
