import type { IssuedClient } from '../../catalog/clients.js';
import { expectObject, type RequestContext } from '../web/context.js';
import type { Route } from '../web/routing.js';
import type { AdminDeps } from './deps.js';

type Ctx = RequestContext<AdminDeps>;

/** An identity with its new token: the one answer that carries it (the database keeps only a hash). */
const withToken = ({ client, token }: IssuedClient) => ({ ...client, token });

async function create(ctx: Ctx) {
  const issued = await ctx.deps.catalog.clients.addClient(expectObject(await ctx.body(), 'client'));
  return { status: 201, body: withToken(issued), headers: { location: `/admin/clients/${issued.client.name}`, 'cache-control': 'no-store' } };
}

/** `/admin/clients` (SPEC §11): identities by name. Lists and removals never show a token or its hash. */
export const clientRoutes: Route<AdminDeps>[] = [
  {
    pattern: '/clients',
    methods: {
      GET: async (ctx) => ({ status: 200, body: await ctx.deps.catalog.clients.listClients() }),
      POST: create,
    },
  },
  {
    pattern: '/clients/:name',
    methods: {
      PUT: async (ctx) => ({
        status: 200,
        body: await ctx.deps.catalog.clients.updateClient(ctx.params.name ?? '', expectObject(await ctx.body(), 'client change')),
      }),
      DELETE: async (ctx) => {
        await ctx.deps.catalog.clients.removeClient(ctx.params.name ?? '');
        return { status: 204 };
      },
    },
  },
  {
    pattern: '/clients/:name/rotate',
    methods: {
      POST: async (ctx) => ({
        status: 200,
        body: withToken(await ctx.deps.catalog.clients.rotateClient(ctx.params.name ?? '')),
        headers: { 'cache-control': 'no-store' },
      }),
    },
  },
];
