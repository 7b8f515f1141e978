import { exportProviders } from '../../catalog/io/export.js';
import { importProviders } from '../../catalog/io/import.js';
import { importOpenApi, looksLikeOpenApi } from '../../catalog/io/openapi-import.js';
import { ToolwireError } from '../../core/errors.js';
import type { ToolMode } from '../../core/model.js';
import { quote, type RequestContext } from '../web/context.js';
import type { Route } from '../web/routing.js';
import type { AdminDeps } from './deps.js';

type Ctx = RequestContext<AdminDeps>;

/** `GET /admin/export?provider=CODE&provider=CODE2` (commas also separate); none = every exportable provider. */
async function exportRoute(ctx: Ctx) {
  const codes = ctx.query
    .getAll('provider')
    .flatMap((v) => v.split(','))
    .map((c) => c.trim())
    .filter(Boolean);
  for (const code of codes) {
    if (!(await ctx.deps.catalog.findProvider(code)))
      throw new ToolwireError('NOT_FOUND', `No provider with code ${quote(code)} to export. GET /admin/providers lists the codes.`);
  }
  return { status: 200, body: await exportProviders(ctx.deps.catalog, codes) };
}

/**
 * `POST /admin/import[?dryRun=true][&prune=true]`: an export file, all-or-nothing; answers the report.
 * An OpenAPI document (JSON) is converted first; `provider`, `baseUrl`, `include`, `exclude` (repeatable)
 * `meta=true` and `toolMode` (direct, meta, auto) in the query work as the CLI flags do.
 */
async function importRoute(ctx: Ctx) {
  const dryRun = ctx.flag('dryRun');
  const prune = ctx.flag('prune');
  const body = await ctx.body();
  if (looksLikeOpenApi(body)) {
    const list = (name: string) =>
      ctx.query
        .getAll(name)
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean);
    const report = await importOpenApi(ctx.deps.catalog, body as object, {
      providerCode: ctx.query.get('provider') ?? undefined,
      baseUrl: ctx.query.get('baseUrl') ?? undefined,
      include: list('include').length > 0 ? list('include') : undefined,
      exclude: list('exclude').length > 0 ? list('exclude') : undefined,
      meta: ctx.flag('meta'),
      toolMode: (ctx.query.get('toolMode') ?? undefined) as ToolMode | undefined,
      prune,
      dryRun,
      rules: ctx.deps.writeRules,
    });
    return { status: 200, body: report };
  }
  const report = await importProviders(ctx.deps.catalog, body, { dryRun, prune, rules: ctx.deps.writeRules });
  return { status: 200, body: { dryRun, prune, ...report } };
}

export const ioRoutes: Route<AdminDeps>[] = [
  { pattern: '/export', methods: { GET: exportRoute } },
  { pattern: '/import', methods: { POST: importRoute } },
];
