import { exportProviders } from '../../catalog/io/export.js';
import { importProviders } from '../../catalog/io/import.js';
import { importOpenApi, looksLikeOpenApi } from '../../catalog/io/openapi-import.js';
import { ToolwireError } from '../../core/errors.js';
import { quote, type RequestContext } from '../web/context.js';
import type { Route } from '../web/routing.js';
import { httpWriteRules } from '../web/write-rules.js';

/** `GET /admin/export?provider=CODE&provider=CODE2` (commas also separate); none = every exportable provider. */
function exportRoute(ctx: RequestContext) {
  const codes = ctx.query
    .getAll('provider')
    .flatMap((v) => v.split(','))
    .map((c) => c.trim())
    .filter(Boolean);
  for (const code of codes) {
    if (!ctx.app.store.providers.findByCode(code))
      throw new ToolwireError('NOT_FOUND', `No provider with code ${quote(code)} to export. GET /admin/providers lists the codes.`);
  }
  return { status: 200, body: exportProviders(ctx.app.catalog, codes) };
}

/**
 * `POST /admin/import[?dryRun=true][&prune=true]`: an export file, all-or-nothing; answers the report.
 * An OpenAPI document (JSON) is converted first; `provider`, `baseUrl`, `include`, `exclude` (repeatable)
 * and `meta=true` in the query work as the CLI flags do.
 */
async function importRoute(ctx: RequestContext) {
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
    const report = await importOpenApi(ctx.app.catalog, body as object, {
      providerCode: ctx.query.get('provider') ?? undefined,
      baseUrl: ctx.query.get('baseUrl') ?? undefined,
      include: list('include').length > 0 ? list('include') : undefined,
      exclude: list('exclude').length > 0 ? list('exclude') : undefined,
      meta: ctx.flag('meta'),
      prune,
      dryRun,
      rules: httpWriteRules(ctx.app),
    });
    return { status: 200, body: report };
  }
  const report = importProviders(ctx.app.catalog, body, { dryRun, prune, rules: httpWriteRules(ctx.app) });
  return { status: 200, body: { dryRun, prune, ...report } };
}

export const ioRoutes: Route[] = [
  { pattern: '/export', methods: { GET: exportRoute } },
  { pattern: '/import', methods: { POST: importRoute } },
];
