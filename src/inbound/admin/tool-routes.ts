import type { Catalog } from '../../catalog/catalog.js';
import { presentTool } from '../../catalog/views.js';
import { ToolwireError } from '../../core/errors.js';
import type { Tool } from '../../core/model.js';
import { expectObject, quote, type RequestContext } from '../web/context.js';
import { badRequest } from './errors.js';
import type { Route } from '../web/routing.js';
import { createToolBatch } from './tool-batch.js';
import { validateTool } from './validate.js';
import type { AdminDeps } from './deps.js';

type Ctx = RequestContext<AdminDeps>;

/** A tool by its numeric id, or a 404 that says how to find the ids. */
export async function requireTool(catalog: Catalog, id: number): Promise<Tool> {
  const found = await catalog.findTool(id);
  if (!found) throw new ToolwireError('NOT_FOUND', `No tool with id ${id}. GET /admin/tools lists the tools and their ids.`);
  return found;
}

/** `?providerId=3` or `?provider=CODE` (also `providerCode`) narrows the list to one provider. */
async function list(ctx: Ctx) {
  const { catalog } = ctx.deps;
  const rawId = ctx.query.get('providerId');
  const code = ctx.query.get('provider') ?? ctx.query.get('providerCode');
  if (rawId !== null) {
    if (!/^[0-9]{1,15}$/.test(rawId))
      throw badRequest(`The query parameter providerId must be a whole number, got ${quote(rawId)}.`, [
        { field: 'providerId', message: 'must be a whole number' },
      ]);
    if (!(await catalog.findProvider(Number(rawId)))) throw new ToolwireError('NOT_FOUND', `No provider with id ${rawId}.`);
    return { status: 200, body: (await catalog.listTools(Number(rawId))).map(presentTool) };
  }
  if (code !== null) {
    if (!(await catalog.findProvider(code))) throw new ToolwireError('NOT_FOUND', `No provider with code ${quote(code)}.`);
    return { status: 200, body: (await catalog.listTools(code)).map(presentTool) };
  }
  return { status: 200, body: (await catalog.listTools()).map(presentTool) };
}

async function create(ctx: Ctx) {
  const created = await ctx.deps.catalog.createTool(expectObject(await ctx.body(), 'tool'));
  return { status: 201, body: presentTool(created), headers: { location: `/admin/tools/${created.id}` } };
}

async function update(ctx: Ctx) {
  const existing = await requireTool(ctx.deps.catalog, ctx.id());
  const body = expectObject(await ctx.body(), 'tool');
  return { status: 200, body: presentTool(await ctx.deps.catalog.updateTool(existing.id, body)) };
}

async function batch(ctx: Ctx) {
  return { status: 201, body: (await createToolBatch(ctx.deps.catalog, await ctx.body())).map(presentTool) };
}

const collection = { GET: list, POST: create };
const item = {
  GET: async (ctx: Ctx) => ({ status: 200, body: presentTool(await requireTool(ctx.deps.catalog, ctx.id())) }),
  PUT: update,
  DELETE: async (ctx: Ctx) => {
    await ctx.deps.catalog.removeTool((await requireTool(ctx.deps.catalog, ctx.id())).id);
    return { status: 204 };
  },
};
/** GET too: HandsAI's guide checks a tool with `curl .../admin/tools/api/{id}/validate`. */
const validate = {
  GET: async (ctx: Ctx) => validateTool(ctx.deps, await requireTool(ctx.deps.catalog, ctx.id())),
  POST: async (ctx: Ctx) => validateTool(ctx.deps, await requireTool(ctx.deps.catalog, ctx.id())),
};

/** `/admin/tools` and HandsAI's own `/admin/tools/api` aliases; literal paths come before `:id`. */
export const toolRoutes: Route<AdminDeps>[] = [
  { pattern: '/tools', methods: collection },
  { pattern: '/tools/api', methods: collection },
  { pattern: '/tools/api/batch', methods: { POST: batch } },
  { pattern: '/tools/api/:id', methods: item },
  { pattern: '/tools/api/:id/validate', methods: validate },
  { pattern: '/tools/:id', methods: item },
  { pattern: '/tools/:id/validate', methods: validate },
];
