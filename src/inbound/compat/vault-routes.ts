import type { IncomingMessage, ServerResponse } from 'node:http';
import { createContext, type RequestContext } from '../web/context.js';
import type { Reply } from '../web/reply.js';
import { allowedMethods, matchRoute, type Method, type Route } from '../web/routing.js';
import { sendJson } from '../http/body.js';
import type { ExtraRoute } from '../http/server.js';
import type { Vault, VaultCredential } from '../../core/vaults.js';
import { invalidRequest, notFound, sendVaultUnauthorized, vaultErrorReply } from './vault-errors.js';
import { methodNotAllowed } from '../web/reply.js';
import { parseCredential, parseVault } from './vault-input.js';
import type { CompatDeps } from './deps.js';

/** The compat dependencies and who is asking (SPEC §11: a client reaches only its own vaults). */
interface VaultDeps extends CompatDeps {
  caller: string;
}

type Ctx = RequestContext<VaultDeps>;

/** Qoder's vault and credential objects; an access token is never part of either. */
function presentCredential(c: VaultCredential) {
  return {
    id: c.id,
    vault_id: c.vaultId,
    mcp_server_url: c.mcpServerUrl,
    protocol: c.protocol,
    type: c.type,
    status: 'active',
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function presentVault(v: Vault, credentials?: VaultCredential[]) {
  return {
    id: v.id,
    type: 'vault',
    display_name: v.displayName,
    status: 'active',
    metadata: {},
    ...(credentials ? { credentials: credentials.map(presentCredential) } : {}),
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

/** Qoder's list page: `limit` and `after_id` (or `after`) select a page of records in creation order. */
function page<T extends { id: string }>(items: T[], query: URLSearchParams) {
  const after = query.get('after_id') ?? query.get('after');
  let start = 0;
  if (after !== null) {
    const index = items.findIndex((item) => item.id === after);
    if (index < 0)
      throw invalidRequest(
        `Query parameter 'after_id' names no record here (${JSON.stringify(after.slice(0, 60))}); use the last_id of the previous page.`,
        'after_id',
      );
    start = index + 1;
  }
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? items.length : Number(rawLimit);
  if (rawLimit !== null && (!Number.isInteger(limit) || limit < 1))
    throw invalidRequest(`Query parameter 'limit' must be a whole number of at least 1 (got ${JSON.stringify((rawLimit ?? '').slice(0, 20))}).`, 'limit');
  const data = items.slice(start, start + limit);
  return { data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < items.length };
}

const vaultMissing = (id: string) => notFound(`Vault '${id}' was not found. GET /v1/vaults lists the vaults there are.`);

async function requireVault(ctx: Ctx): Promise<Vault> {
  const id = ctx.params.vault_id ?? '';
  const vault = await ctx.deps.catalog.vaults.get(id, ctx.deps.caller);
  if (!vault) throw vaultMissing(id);
  return vault;
}

async function requireCredential(ctx: Ctx, vault: Vault): Promise<VaultCredential> {
  const id = ctx.params.credential_id ?? '';
  const credential = await ctx.deps.catalog.vaults.credential(vault.id, id, ctx.deps.caller);
  if (!credential) throw notFound(`Credential '${id}' was not found in vault '${vault.id}'. GET /v1/vaults/${vault.id}/credentials lists its credentials.`);
  return credential;
}

async function createVault(ctx: Ctx): Promise<Reply> {
  const input = parseVault(await ctx.body());
  const { vault, credentials } = await ctx.deps.catalog.vaults.create(input.displayName, input.credentials, ctx.deps.caller);
  ctx.deps.log.info(`vault ${vault.id} created with ${credentials.length} credential(s)${vault.owner ? ` for client "${vault.owner}"` : ''}`);
  return { status: 201, body: presentVault(vault, credentials) };
}

async function addCredential(ctx: Ctx): Promise<Reply> {
  const vault = await requireVault(ctx);
  const input = parseCredential(await ctx.body());
  // Null when the vault was deleted while the body was read (checked inside the write).
  const credential = await ctx.deps.catalog.vaults.addCredential(vault.id, input, ctx.deps.caller);
  if (!credential) throw vaultMissing(vault.id);
  ctx.deps.log.info(`vault ${vault.id}: credential ${credential.id} added for ${credential.protocol} ${credential.mcpServerUrl}`);
  return { status: 201, body: presentCredential(credential) };
}

/** Paths below the prefix (`/v1/vaults` or Qoder's `/api/v1/cloud/vaults`). */
const ROUTES: readonly Route<VaultDeps>[] = [
  {
    pattern: '/',
    methods: {
      GET: async (ctx) => ({
        status: 200,
        body: page(
          (await ctx.deps.catalog.vaults.list(ctx.deps.caller)).map((v) => presentVault(v)),
          ctx.query,
        ),
      }),
      POST: createVault,
    },
  },
  {
    pattern: '/:vault_id',
    methods: {
      GET: async (ctx) => {
        const vault = await requireVault(ctx);
        return { status: 200, body: presentVault(vault, await ctx.deps.catalog.vaults.credentials(vault.id, ctx.deps.caller)) };
      },
      DELETE: async (ctx) => {
        const vault = await requireVault(ctx);
        if (!(await ctx.deps.catalog.vaults.remove(vault.id, ctx.deps.caller))) throw vaultMissing(vault.id);
        ctx.deps.log.info(`vault ${vault.id} deleted with its credentials`);
        return { status: 204 };
      },
    },
  },
  {
    pattern: '/:vault_id/credentials',
    methods: {
      GET: async (ctx) => ({
        status: 200,
        body: page((await ctx.deps.catalog.vaults.credentials((await requireVault(ctx)).id, ctx.deps.caller)).map(presentCredential), ctx.query),
      }),
      POST: addCredential,
    },
  },
  {
    pattern: '/:vault_id/credentials/:credential_id',
    methods: {
      GET: async (ctx) => ({ status: 200, body: presentCredential(await requireCredential(ctx, await requireVault(ctx))) }),
      DELETE: async (ctx) => {
        const vault = await requireVault(ctx);
        const credential = await requireCredential(ctx, vault);
        await ctx.deps.catalog.vaults.removeCredential(vault.id, credential.id, ctx.deps.caller);
        ctx.deps.log.info(`vault ${vault.id}: credential ${credential.id} deleted`);
        return { status: 200, body: { id: credential.id, type: 'vault_credential_deleted' } };
      },
    },
  },
];

async function dispatch(req: IncomingMessage, path: string, deps: VaultDeps): Promise<Reply> {
  const method = (req.method ?? 'GET').toUpperCase();
  const match = matchRoute(ROUTES, path);
  if (!match)
    throw notFound(
      `No vault route ${JSON.stringify(path.slice(0, 80))}. The routes are /v1/vaults, /v1/vaults/{vault_id} and /v1/vaults/{vault_id}/credentials[/{id}].`,
    );
  const handler = match.route.methods[method as Method];
  if (!handler) {
    const allow = allowedMethods(match.route);
    throw methodNotAllowed(`${method} is not allowed here; use ${allow}.`, allow);
  }
  const query = new URL(req.url ?? '/', 'http://vaults.invalid').searchParams;
  return handler(createContext(deps, req, match.params, query));
}

function vaultRoute(prefix: string): ExtraRoute {
  return {
    prefix,
    unauthorized: sendVaultUnauthorized,
    async handle(req: IncomingMessage, res: ServerResponse, path: string, deps: CompatDeps, caller: string) {
      let reply: Reply;
      try {
        reply = await dispatch(req, path === '' ? '/' : path, { ...deps, caller });
      } catch (err) {
        reply = vaultErrorReply(err, deps.log, `${req.method ?? 'GET'} ${prefix}${path}`);
      }
      if (reply.status === 204) res.writeHead(204, reply.headers ?? {}).end();
      else sendJson(res, reply.status, reply.body, reply.headers ?? {});
    },
  };
}

/** Credential vaults (SPEC §9, Qoder's API) at `/v1/vaults…` and Qoder's own base path `/api/v1/cloud/vaults…`. */
export function vaultRoutes(): ExtraRoute[] {
  return [vaultRoute('/v1/vaults'), vaultRoute('/api/v1/cloud/vaults')];
}
