import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/server';
import { credentialNeedOf, errorResult } from '../core/tool-result.js';
import type { Provider, Tool } from '../core/model.js';
import type { CallContext, ToolEntry } from './types.js';

/**
 * `toolMode: "meta"`: a provider with hundreds of operations is offered as three tools — search,
 * describe, call — so an agent with a small context window can still use all of it. Calls go
 * through the same entries as direct tools: validated and authenticated exactly alike.
 */
export interface MetaOperation {
  tool: Tool;
  entry: ToolEntry;
}

const SEARCH_LIMIT = 20;

function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> };
}

function summary(op: MetaOperation) {
  const description = op.tool.description ?? '';
  return {
    code: op.tool.code,
    title: op.tool.name,
    method: op.tool.httpMethod,
    path: op.tool.endpointPath,
    description: description.length > 200 ? `${description.slice(0, 200)}…` : description,
  };
}

/** Ranks operations by how many query words their code, title, path and description contain. */
function search(operations: MetaOperation[], query: string, limit: number) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const scored = operations.map((op) => {
    const haystack = `${op.tool.code} ${op.tool.name} ${op.tool.endpointPath} ${op.tool.description ?? ''}`.toLowerCase();
    return { op, score: words.reduce((n, w) => n + (haystack.includes(w) ? 1 : 0), 0) };
  });
  return scored
    .filter((s) => words.length === 0 || s.score > 0)
    .sort((a, b) => b.score - a.score || a.op.tool.code.localeCompare(b.op.tool.code))
    .slice(0, limit)
    .map((s) => summary(s.op));
}

export function metaToolEntries(provider: Provider, operations: MetaOperation[]): ToolEntry[] {
  const byCode = new Map(operations.map((op) => [op.tool.code, op]));
  const reaches = operations.map((op) => op.tool.code);
  // An operation out of the caller's scope is as unknown as one that does not exist (SPEC §11).
  const visible = (context: CallContext) => (context.scope ? operations.filter((op) => context.scope!(provider.code, op.tool.code)) : operations);
  const find = (code: unknown, context: CallContext) => {
    const op = byCode.get(String(code));
    return op && (!context.scope || context.scope(provider.code, op.tool.code)) ? op : undefined;
  };
  const unknown = (code: unknown) => errorResult(`No operation "${String(code)}" in ${provider.name}. Use ${provider.code}__search_operations to find one.`);
  const stringArg = (name: string) => ({ type: 'object', properties: { [name]: { type: 'string' } }, required: [name] }) as McpTool['inputSchema'];
  const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

  return [
    {
      providerCode: provider.code,
      reaches,
      definition: {
        name: `${provider.code}__search_operations`,
        title: `Search ${provider.name} operations`,
        // No count of operations here: the entry is shared by callers whose scopes show different numbers of them.
        description: `Find operations of ${provider.name} by keywords; returns codes to describe or call.`,
        inputSchema: {
          type: 'object',
          properties: {
            query: { type: 'string', description: 'Keywords, e.g. "create issue"' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: SEARCH_LIMIT },
          },
          required: ['query'],
        },
        annotations: { title: `Search ${provider.name} operations`, ...readOnly },
      },
      async invoke(args, context) {
        if (typeof args.query !== 'string') return errorResult('Argument "query" must be a string.');
        const limit = typeof args.limit === 'number' && args.limit > 0 ? Math.min(args.limit, 100) : SEARCH_LIMIT;
        return json({ operations: search(visible(context), args.query, limit) });
      },
    },
    {
      providerCode: provider.code,
      reaches,
      definition: {
        name: `${provider.code}__describe_operation`,
        title: `Describe a ${provider.name} operation`,
        description: `The full description and argument schema of one ${provider.name} operation.`,
        inputSchema: stringArg('code'),
        annotations: { title: `Describe a ${provider.name} operation`, ...readOnly },
      },
      async invoke(args, context) {
        const op = find(args.code, context);
        if (!op) return unknown(args.code);
        const { definition } = op.entry;
        return json({
          ...summary(op),
          description: definition.description ?? '',
          inputSchema: definition.inputSchema,
          ...(definition.outputSchema ? { outputSchema: definition.outputSchema } : {}),
        });
      },
    },
    {
      providerCode: provider.code,
      reaches,
      definition: {
        name: `${provider.code}__call_operation`,
        title: `Call a ${provider.name} operation`,
        description: `Call one ${provider.name} operation by code with its arguments (see describe_operation for the schema).`,
        inputSchema: {
          type: 'object',
          properties: { code: { type: 'string' }, arguments: { type: 'object', description: "The operation's arguments" } },
          required: ['code'],
        },
        annotations: { title: `Call a ${provider.name} operation`, readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
      },
      async invoke(args, context) {
        const op = find(args.code, context);
        if (!op) return unknown(args.code);
        const callArgs = args.arguments ?? {};
        if (typeof callArgs !== 'object' || callArgs === null || Array.isArray(callArgs)) return errorResult('Argument "arguments" must be an object.');
        const result = await op.entry.invoke(callArgs as Record<string, unknown>, context);
        // A call that needs the caller's own credential keeps its mark, so the inbound side can send them to connect it.
        if (credentialNeedOf(result)) return result;
        // structuredContent is not declared by call_operation's (absent) output schema: keep the text only.
        return { content: result.content, ...(result.isError ? { isError: true } : {}) };
      },
    },
  ];
}
