import { ToolwireError } from '../../core/errors.js';
import { isJsonObject } from '../../core/json.js';
import { invokeTool, scopedView } from '../../registry/scoped-view.js';
import { ownerCaller } from '../mcp/caller.js';
import { expectObject, type RequestContext } from '../web/context.js';
import { badRequest } from './errors.js';
import type { Reply } from './errors.js';
import type { Route } from '../web/routing.js';
import type { AdminDeps } from './deps.js';
import { requireTool } from './tool-routes.js';

/**
 * `POST /admin/tools/{id}/call` with `{"arguments": {…}}`: calls the tool as the identity that sent the
 * request, exactly as its agent would over /mcp (its scope, its own credentials, rate limits, the audit
 * log); answers `{tool, result}` with the MCP `CallToolResult`. The web admin's "try it" form uses it.
 */
async function callTool(ctx: RequestContext<AdminDeps>): Promise<Reply> {
  const { catalog, registry } = ctx.deps;
  const tool = await requireTool(catalog, ctx.id());
  const body = expectObject(await ctx.body(), 'call');
  const args = body.arguments ?? {};
  if (!isJsonObject(args)) {
    throw badRequest('arguments must be a JSON object of the tool\'s arguments by name, like {"q": "cats"}.', [
      { field: 'arguments', message: 'must be a JSON object' },
    ]);
  }
  const caller = ctx.deps.caller ?? ownerCaller();
  await registry.refresh(); // a write by another process (the CLI) may not have been noticed yet
  const view = scopedView(registry.current(), caller.key, caller.scope);
  const entry = view.entries.get(tool.code);
  if (!entry) {
    throw new ToolwireError(
      'NOT_FOUND',
      `The tool ${JSON.stringify(tool.code)} is not served to ${caller.identity.name}: it or its provider is disabled, its provider serves it through meta tools, or it is outside this identity's scope.`,
    );
  }
  const result = await invokeTool(view, entry, args, { scope: view.scope, caller: caller.identity.name });
  return { status: 200, body: { tool: { id: tool.id, code: tool.code }, result }, headers: { 'cache-control': 'no-store' } };
}

export const toolCallRoutes: Route<AdminDeps>[] = [
  { pattern: '/tools/:id/call', methods: { POST: callTool } },
  { pattern: '/tools/api/:id/call', methods: { POST: callTool } },
];
