import type { RequestContext } from '../web/context.js';
import type { Route } from '../web/routing.js';
import { ToolwireError } from '../../core/errors.js';
import type { AdminDeps } from './deps.js';

/** A whole-number query parameter, or INVALID_INPUT naming it. */
function intParam(ctx: RequestContext<AdminDeps>, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,9}$/.test(raw))
    throw new ToolwireError('INVALID_INPUT', `${name} must be a whole number (got ${JSON.stringify(raw.slice(0, 20))}).`, [
      { field: name, message: 'must be a whole number' },
    ]);
  return Number(raw);
}

/**
 * `GET /admin/audit?client=&tool=&since=&limit=&cursor=` (SPEC §12): the audit log newest first; pass the
 * answer's `nextCursor` as `cursor` for the next page (null on the last one).
 */
export const auditRoutes: Route<AdminDeps>[] = [
  {
    pattern: '/audit',
    methods: {
      GET: async (ctx) => ({
        status: 200,
        body: await ctx.deps.catalog.audit.page({
          client: ctx.query.get('client') ?? undefined,
          tool: ctx.query.get('tool') ?? undefined,
          since: ctx.query.get('since') ?? undefined,
          limit: intParam(ctx, 'limit'),
          cursor: ctx.query.get('cursor') ?? undefined,
        }),
        headers: { 'cache-control': 'no-store' },
      }),
    },
  },
  {
    // `GET /admin/audit/stats?minutes=60` (SPEC §16's dashboard): calls per minute, error rate, p50/p95 per provider.
    pattern: '/audit/stats',
    methods: {
      GET: async (ctx) => ({
        status: 200,
        body: await ctx.deps.catalog.audit.stats(intParam(ctx, 'minutes') ?? 60),
        headers: { 'cache-control': 'no-store' },
      }),
    },
  },
];
