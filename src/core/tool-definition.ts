import type { Tool as McpTool } from '@modelcontextprotocol/server';
import { annotationsFor, buildInputSchema } from './input-schema.js';
import { withFieldsArgument } from './response-fields.js';
import type { Tool } from './model.js';

/**
 * A stored tool as `tools/list` shows it (SPEC §7). In core because two layers need the very same
 * shape: the registry serves it, and the catalog measures it for the import report (SPEC §14).
 */
export function toolDefinition(tool: Tool): McpTool {
  const inputSchema = buildInputSchema(tool.parameters) as { properties: Record<string, unknown> };
  // Every HTTP tool also takes `_fields` (SPEC §14): the projection of its answer, never sent upstream.
  withFieldsArgument(inputSchema, tool.parameters);
  const definition: McpTool = {
    name: tool.code,
    title: tool.name,
    description: tool.description ?? tool.name,
    inputSchema: inputSchema as McpTool['inputSchema'],
    annotations: annotationsFor(tool.httpMethod, tool.name),
  };
  if (tool.outputSchema) definition.outputSchema = tool.outputSchema as McpTool['outputSchema'];
  return definition;
}
