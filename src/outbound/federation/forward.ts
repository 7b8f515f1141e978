import { Buffer } from 'node:buffer';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/client';
import { errorResult } from '../../core/tool-result.js';
import { describeError } from '../../core/errors.js';
import { bytesContainSecret, redactText, redactValue, type Redactor } from '../../core/redact.js';
import type { ToolEntry } from '../../registry/types.js';
import { tooLargeLimit } from './response-cap.js';
import { federatedToolName } from './tool-names.js';
import { isProtocolError } from './client-sdk.js';
import { describeUpstreamError } from './upstream-errors.js';
import { UpstreamConnection, UpstreamDownError } from './upstream-connection.js';

/** The upstream's definition under our name: its title, description, schemas and annotations kept. */
export function federatedDefinition(providerCode: string, tool: McpTool): McpTool {
  const definition: McpTool = {
    name: federatedToolName(providerCode, tool.name),
    description: tool.description ?? `Tool "${tool.name}" of the MCP server "${providerCode}".`,
    inputSchema: tool.inputSchema,
  };
  const title = tool.title ?? tool.annotations?.title;
  if (title !== undefined) definition.title = title;
  if (tool.outputSchema) definition.outputSchema = tool.outputSchema;
  if (tool.annotations) definition.annotations = tool.annotations;
  if (tool.icons) definition.icons = tool.icons;
  if (tool._meta) definition._meta = tool._meta;
  return definition;
}

/** Whether `key` of `parent` holds base64 binary: image or audio `data`, a resource's `blob`. */
function isBinaryPayload(parent: Record<string, unknown>, key: string): boolean {
  if (key === 'data') return (parent.type === 'image' || parent.type === 'audio') && typeof parent.mimeType === 'string';
  return key === 'blob' && typeof parent.uri === 'string';
}

/** The first binary payload (image/audio `data`, resource `blob`) whose decoded bytes hold a secret, by kind. */
export function binaryWithSecret(value: unknown, redact: Redactor): string | null {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = binaryWithSecret(item, redact);
      if (found) return found;
    }
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const parent = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(parent)) {
    if (typeof v === 'string' && isBinaryPayload(parent, k)) {
      // The bytes it decodes to, and the string as written (a hex key passes for base64 too).
      if (bytesContainSecret(Buffer.from(v, 'base64'), redact) || redactText(v, redact) !== v)
        return k === 'blob' ? 'a resource blob' : `${String(parent.type)} data`;
    } else {
      const found = binaryWithSecret(v, redact);
      if (found) return found;
    }
  }
  return null;
}

function tooLargeText(toolName: string, code: string, limit: number): string {
  return `Tool "${toolName}" failed: the upstream MCP server "${code}" answered with more than ${limit} bytes, over the response cap (TOOLWIRE_MAX_RESPONSE_BYTES); the answer was dropped. Ask for less (a filter, a smaller page or range), or raise TOOLWIRE_MAX_RESPONSE_BYTES.`;
}

/**
 * Masks secrets in every string of a result. Only real binary payloads (an image's or audio's
 * `data`, a resource's `blob`) are left whole; a `data` field anywhere else is masked like any text.
 */
export function redactDeep(value: unknown, redact: Redactor): unknown {
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (value && typeof value === 'object') {
    const parent = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    // Keys too, and every escape decoded (`sk\u002dlive` in a text item): the same masking as HTTP answers.
    for (const [k, v] of Object.entries(parent)) out[redactText(k, redact)] = typeof v === 'string' && isBinaryPayload(parent, k) ? v : redactDeep(v, redact);
    return out;
  }
  return redactValue(value, redact);
}

/**
 * Which connection a call goes through (SPEC §11): the provider's own, one opened with the caller's own
 * key (a promise: it may be opening), or no connection at all — the result that says the caller needs a
 * credential of its own.
 */
export type PickConnection = (caller: string | undefined) => UpstreamConnection | Promise<UpstreamConnection> | CallToolResult;

/** A ToolEntry that forwards tools/call to the upstream and masks its secrets in what comes back. */
export function federatedEntry(connection: UpstreamConnection, tool: McpTool, pick: PickConnection = () => connection): ToolEntry {
  const { code } = connection.config;
  const definition = federatedDefinition(code, tool);
  return {
    definition,
    providerCode: code,
    async invoke(args, context) {
      const picked = pick(context.caller);
      if (!(picked instanceof UpstreamConnection) && !(picked instanceof Promise)) return picked;
      // The shared connection's secrets until the caller's own connection is known, then that one's (its key and the provider's).
      let redact: Redactor = connection.config.redact;
      // The call observer (SPEC §12) hears of the forwarded call: its size both ways, or what ended it.
      const watched = context.upstream?.start('tools/call', `mcp://${code}/${tool.name}`, Buffer.byteLength(JSON.stringify(args)));
      try {
        const target = await picked;
        redact = target.config.redact;
        const result = await target.callTool(tool, args, context.signal);
        // The transports already drop a message over the cap unread; this is the rule itself, on the parsed result.
        const limit = target.maxResponseBytes;
        const size = Buffer.byteLength(JSON.stringify(result));
        watched?.end(null, size);
        if (size > limit) return errorResult(tooLargeText(definition.name, code, limit));
        // Bytes cannot be masked without corrupting them: an image or blob holding a credential is withheld whole.
        const binary = binaryWithSecret(result, redact);
        if (binary) {
          return errorResult(
            `Tool "${definition.name}" failed: the binary answer (${binary}) of the upstream MCP server "${code}" contained a credential of this provider and was withheld.`,
          );
        }
        return redactDeep(result, redact) as CallToolResult;
      } catch (err) {
        watched?.end(null, 0, isProtocolError(err) ? undefined : err); // an answered error is the tool's own
        const limit = tooLargeLimit(err);
        if (limit !== null) return errorResult(tooLargeText(definition.name, code, limit));
        if (err instanceof UpstreamDownError) {
          return errorResult(
            redact(
              `The upstream MCP server "${code}" is not connected${err.reason ? ` (${err.reason})` : ''}; toolwire keeps reconnecting in the background. Try "${definition.name}" again shortly.`,
            ),
          );
        }
        const what = isProtocolError(err) ? `answered with an error: ${describeError(err)}` : `could not be reached: ${describeUpstreamError(err)}`;
        return errorResult(redact(`Tool "${definition.name}" failed: the upstream MCP server "${code}" ${what}`));
      }
    },
  };
}
