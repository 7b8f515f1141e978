import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/body.js';
import { createContext, quote } from '../web/context.js';
import { storageError } from '../../catalog/storage-error.js';
import { ToolwireError } from '../../core/errors.js';
import { methodNotAllowed } from '../web/reply.js';
import { errorReply, type Reply } from './errors.js';
import { ioRoutes } from './io-routes.js';
import { clientRoutes } from './client-routes.js';
import { auditRoutes } from './audit-routes.js';
import { credentialRoutes } from './credential-routes.js';
import { providerRoutes } from './provider-routes.js';
import { allowedMethods, matchRoute, type Method, type Route } from '../web/routing.js';
import { toolRoutes } from './tool-routes.js';
import { toolCallRoutes } from './tool-call.js';
import type { AdminDeps } from './deps.js';

const ROUTES: readonly Route<AdminDeps>[] = [
  ...providerRoutes,
  ...toolRoutes,
  ...ioRoutes,
  ...clientRoutes,
  ...credentialRoutes,
  ...auditRoutes,
  ...toolCallRoutes,
];

function queryOf(req: IncomingMessage): URLSearchParams {
  try {
    return new URL(req.url ?? '/', 'http://admin.invalid').searchParams;
  } catch {
    return new URLSearchParams();
  }
}

async function dispatch(req: IncomingMessage, method: string, path: string, deps: AdminDeps): Promise<Reply> {
  const match = matchRoute(ROUTES, path);
  if (!match) {
    throw new ToolwireError(
      'NOT_FOUND',
      `No admin route ${quote(`/admin${path}`)}. The routes are /admin/providers, /admin/tools (and /admin/tools/api), /admin/export, /admin/import, /admin/clients, /admin/clients/{name}/credentials, /admin/audit (and /admin/audit/stats) and /admin/tools/{id}/call.`,
    );
  }
  const handler = match.route.methods[method as Method];
  if (!handler) {
    const allow = allowedMethods(match.route);
    throw methodNotAllowed(`${method} is not allowed on /admin${match.route.pattern}; use ${allow}.`, allow);
  }
  return handler(createContext(deps, req, match.params, queryOf(req)));
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (reply.status === 204) {
    res.writeHead(204, reply.headers ?? {});
    res.end();
    return;
  }
  sendJson(res, reply.status, reply.body ?? {}, reply.headers ?? {});
}

/**
 * The REST admin API (SPEC §8), HandsAI's routes and shapes. The HTTP server has already checked the
 * bearer token and the Origin; `path` is what follows `/admin`. Always answers JSON (or 204); a
 * client's mistake is a 4xx naming what to fix, never a 500.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, deps: AdminDeps): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const normalized = path === '' ? '/' : path;
  let reply: Reply;
  try {
    reply = await dispatch(req, method, normalized, deps);
  } catch (err) {
    reply = errorReply(storageError(err, deps.dbPath) ?? err, deps.log, `${method} /admin${normalized}`);
  }
  send(res, reply);
}
