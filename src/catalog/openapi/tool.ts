/**
 * One operation → one tool, or the one-line reason it is skipped. Everything the user should hear
 * about but that does not stop the import is noted in `ToolNotes`, summarised once by the caller.
 */
import { bodyParameters } from './body.js';
import { type CodeAllocator, codeFromRoute, sanitizeCode } from '../codes.js';
import { toolDescription, toolTitle } from './tool-text.js';
import type { OperationFilter } from './filter.js';
import { outputSchema } from './output.js';
import { makeParameter } from './parameter-fields.js';
import type { CredentialSlot } from '../../core/credential-placement.js';
import { collectParameters } from './parameters.js';
import { resolveClashes } from './param-names.js';
import { supportedMethod, type RawOperation } from './operations.js';
import { operationPrefix } from './servers.js';
import type { ImportParameter, ImportTool } from './types.js';
import { asString, type Dict } from './util.js';

export interface ToolNotes {
  renames: string[];
  nonJsonBodies: Map<string, number>;
  undeclaredPathParameters: number;
  /** Parameters and body properties left out because their name is blank. */
  unnamedParameters: number;
}

export interface ToolContext {
  doc: Dict;
  filter: OperationFilter;
  codes: CodeAllocator;
  notes: ToolNotes;
  slot?: CredentialSlot | undefined;
}

/** A parameter left out of an imported tool, for the report's `skipped` list. */
export interface SkippedParameter {
  name: string;
  reason: string;
}

export type ToolOutcome = { tool: ImportTool; skippedParameters: SkippedParameter[] } | { skip: string };

/** `{name}` placeholders the document forgot to declare: without them the call could never fill the path. */
function undeclaredPathParameters(path: string, parameters: ImportParameter[]): ImportParameter[] {
  const declared = new Set(parameters.filter((p) => p.location === 'PATH').map((p) => p.name));
  // The catalog's reading of placeholders: innermost braces, name trimmed.
  const names = [...path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!.trim()).filter((n) => n !== '' && !declared.has(n));
  return [...new Set(names)].map((name) => makeParameter({ name, location: 'PATH', schema: { type: 'string' }, required: true }));
}

function tags(operation: Dict): string[] {
  return Array.isArray(operation.tags) ? operation.tags.filter((t): t is string => typeof t === 'string') : [];
}

export function buildTool(raw: RawOperation, ctx: ToolContext): ToolOutcome {
  const { method, path, pathItem, operation } = raw;
  const httpMethod = supportedMethod(method);
  if (httpMethod === undefined) return { skip: `${method} is not supported: toolwire tools use GET, POST, PUT, PATCH or DELETE` };
  const filtered = ctx.filter.check(path, tags(operation));
  if (!filtered.kept) return { skip: filtered.reason ?? 'filtered out' };
  const prefix = operationPrefix(operation.servers ?? pathItem.servers, ctx.doc);
  if (prefix === undefined) return { skip: "its own server URL is not under the provider's base URL" };
  const endpointPath = `${prefix}${path}`;

  const body = bodyParameters(operation.requestBody);
  if (body.nonJsonMediaType !== undefined) {
    ctx.notes.nonJsonBodies.set(body.nonJsonMediaType, (ctx.notes.nonJsonBodies.get(body.nonJsonMediaType) ?? 0) + 1);
  }
  ctx.notes.unnamedParameters += body.unnamed;
  const unnamed = (): void => void ctx.notes.unnamedParameters++;
  const skippedParameters: SkippedParameter[] = [];
  const forbidden = (name: string, reason: string): void => {
    skippedParameters.push({
      name,
      reason: `header parameter "${name}" left out (the operation is imported without it): ${reason}; a tool argument may never set this header`,
    });
  };
  const declared = [...collectParameters(pathItem.parameters, operation.parameters, ctx.slot, unnamed, forbidden), ...body.parameters];
  const missing = undeclaredPathParameters(endpointPath, declared);
  if (missing.length > 0) ctx.notes.undeclaredPathParameters++;
  const { parameters, renames } = resolveClashes([...missing, ...declared]);

  const route = `${method} ${path}`;
  const code = ctx.codes.take(sanitizeCode(asString(operation.operationId) ?? '') || codeFromRoute(method, path));
  for (const r of renames) ctx.notes.renames.push(`${code}: ${r.location} "${r.from}" → "${r.to}"`);
  const text = { summary: asString(operation.summary), description: asString(operation.description), deprecated: operation.deprecated === true };
  return {
    tool: {
      name: toolTitle(text, code),
      code,
      description: toolDescription(text, route),
      endpointPath,
      httpMethod,
      bodyPayloadTemplate: null,
      enabled: true,
      isExportable: true,
      parameters,
      outputSchema: outputSchema(operation.responses),
    },
    skippedParameters,
  };
}
