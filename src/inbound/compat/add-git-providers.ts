import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonObject } from '../../core/json.js';
import { ToolwireError } from '../../core/errors.js';
import { OWNER_NAME } from '../../core/identity.js';
import { parserReason } from '../web/context.js';
import { readJsonBody, sendJson } from '../http/body.js';
import type { ExtraRoute } from '../http/server.js';
import { methodNotAllowed } from '../web/reply.js';
import { InvalidEntries, type EntryIssue } from '../../catalog/entry-issues.js';
import type { CompatDeps } from './deps.js';
import { parseMcpConfig, type McpServerSpec } from './mcp-config.js';
import { detailReply, type Loc, Problems, sendDetailUnauthorized, Unprocessable } from './openhands-errors.js';
import { parseProviderTokens } from './provider-tokens.js';
import type { ProviderTokenEntry } from '../../catalog/provider-tokens.js';

const PATH = '/api/add-git-providers';

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJsonBody(req);
  if (!body.ok) {
    if (body.error.code !== 'INVALID_JSON') throw body.error;
    throw new Unprocessable([
      {
        loc: ['body'],
        msg: `JSON decode error: ${parserReason(body.error)}. Send a JSON object with provider_tokens and/or mcp_config.`,
        type: 'json_invalid',
      },
    ]);
  }
  if (body.empty)
    throw new Unprocessable([{ loc: ['body'], msg: 'Field required: send a JSON object with provider_tokens and/or mcp_config.', type: 'missing' }]);
  if (!isJsonObject(body.value)) {
    throw new Unprocessable([{ loc: ['body'], msg: 'Input should be a JSON object with provider_tokens and/or mcp_config.', type: 'model_attributes_type' }]);
  }
  return body.value;
}

/** The request's names for the catalog's entry fields. */
const TOKEN_FIELD: Record<string, string> = { userId: 'user_id' };
const SERVER_FIELD: Record<string, string> = { apiKey: 'api_key' };

/** Where in the request body a catalog issue's entry and field came from. */
function locOf(issue: EntryIssue, tokens: ProviderTokenEntry[], servers: McpServerSpec[]): Loc {
  const field = issue.field;
  if (issue.list === 'providerTokens') {
    const code = tokens[issue.index]?.code ?? '';
    return ['body', 'provider_tokens', code, ...(field ? [TOKEN_FIELD[field] ?? field] : [])];
  }
  return [...(servers[issue.index]?.loc ?? ['body', 'mcp_config']), ...(field ? [SERVER_FIELD[field] ?? field] : [])];
}

/**
 * `POST /api/add-git-providers` (OpenHands' "store provider tokens", SPEC §9): each token becomes its
 * provider's credential, `host` moves its base URL, and `mcp_config` (when given) becomes the whole set of
 * upstream MCP servers registered this way. All of it in one transaction: any problem → 422, nothing written.
 */
async function storeProviderTokens(req: IncomingMessage, deps: CompatDeps, caller: string) {
  const body = await readBody(req);
  const problems = new Problems();
  const tokens = parseProviderTokens(body.provider_tokens, problems);
  const servers = parseMcpConfig(body.mcp_config, problems);
  problems.throwIfAny();
  let outcome: Awaited<ReturnType<CompatDeps['catalog']['storeProviderTokens']>>;
  try {
    // A client's tokens are its own (OpenHands keeps them per user); the owner's change the shared providers.
    outcome =
      caller === OWNER_NAME
        ? await deps.catalog.storeProviderTokens(tokens, servers, deps.writeRules)
        : await deps.catalog.storeClientProviderTokens(caller, tokens, servers);
  } catch (err) {
    if (!(err instanceof InvalidEntries)) throw err;
    throw new Unprocessable(err.entries.map((issue) => ({ loc: locOf(issue, tokens, servers ?? []), msg: issue.message, type: 'value_error' })));
  }
  const mcpNote = outcome.mcp ? `; mcp_config: ${outcome.mcp.registered.length} server(s) registered, ${outcome.mcp.removed.length} removed` : '';
  deps.log.info(
    `add-git-providers${caller === OWNER_NAME ? '' : ` (client "${caller}", its own credentials)`}: stored ${outcome.stored.length} provider token entr${outcome.stored.length === 1 ? 'y' : 'ies'} (${outcome.stored.join(', ') || 'none'})${mcpNote}`,
  );
  return {
    message: 'Git providers stored',
    provider_tokens: outcome.stored,
    // Stored secrets dropped because `host` moved them to another origin (only when there were some).
    ...(Object.keys(outcome.droppedSecrets).length > 0 ? { dropped_secrets: outcome.droppedSecrets } : {}),
    ...(outcome.mcp ? { mcp_servers: outcome.mcp } : {}),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, path: string, deps: CompatDeps, caller: string): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  try {
    if (path !== '' && path !== '/') throw new ToolwireError('NOT_FOUND', `Not Found: no route ${PATH}${path.slice(0, 80)}; the route is POST ${PATH}.`);
    if (method !== 'POST') throw methodNotAllowed(`Method Not Allowed: use POST ${PATH}.`, 'POST');
    sendJson(res, 200, await storeProviderTokens(req, deps, caller));
  } catch (err) {
    const reply = detailReply(err, deps.log, `${method} ${PATH}`);
    sendJson(res, reply.status, reply.body, reply.headers);
  }
}

/** Mounted beside /mcp and /admin; the owner's or a client's bearer token, or the same value as `X-Session-API-Key`. */
export function addGitProvidersRoute(): ExtraRoute {
  return { prefix: PATH, altTokenHeader: 'x-session-api-key', unauthorized: sendDetailUnauthorized, handle };
}
