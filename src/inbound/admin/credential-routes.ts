import type { RequestContext } from '../web/context.js';
import type { Route } from '../web/routing.js';
import type { AdminDeps } from './deps.js';

type Ctx = RequestContext<AdminDeps>;

async function set(ctx: Ctx) {
  const summary = await ctx.deps.catalog.credentials.setCredential(ctx.params.name ?? '', ctx.params.provider ?? '', await ctx.body());
  return { status: 200, body: { client: ctx.params.name, ...summary }, headers: { 'cache-control': 'no-store' } };
}

/**
 * `/admin/clients/{name}/credentials` (SPEC §11): a client's own credentials for per-user providers.
 * Write-only: answers name the provider and the fields set, never a value.
 */
export const credentialRoutes: Route<AdminDeps>[] = [
  {
    pattern: '/clients/:name/credentials',
    methods: {
      GET: async (ctx) => ({ status: 200, body: await ctx.deps.catalog.credentials.listCredentials(ctx.params.name ?? '') }),
    },
  },
  {
    pattern: '/clients/:name/credentials/:provider',
    methods: {
      PUT: set,
      DELETE: async (ctx) => {
        await ctx.deps.catalog.credentials.removeCredential(ctx.params.name ?? '', ctx.params.provider ?? '');
        return { status: 204 };
      },
    },
  },
];
