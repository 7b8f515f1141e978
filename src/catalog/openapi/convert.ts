/**
 * convertOpenApi: an OpenAPI 3.0/3.1 or Swagger 2.0 document → one provider in the §4 import format,
 * one tool per operation. Pure: it reads nothing but its input and writes nothing; the caller
 * imports the result (upsert by code, all-or-nothing) and shows the user the skips and warnings.
 */
import { ToolwireError } from '../../core/errors.js';
import { CodeAllocator, codeFromTitle } from '../codes.js';
import { OperationFilter } from './filter.js';
import { loadDocument } from './load.js';
import { listOperations } from './operations.js';
import { mapSecurity } from './security.js';
import { resolveBaseUrl } from './servers.js';
import { buildTool, type ToolNotes } from './tool.js';
import type { ConvertOptions, ImportTool, OpenApiConversion, SkippedOperation } from './types.js';
import { asRecord, asString, boundText } from './util.js';

const CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const PROGRESS_EVERY = 100;

function checkOptions(options: ConvertOptions): void {
  if (options.providerCode !== undefined && !CODE_PATTERN.test(options.providerCode)) {
    throw new ToolwireError('INVALID_INPUT', `providerCode "${options.providerCode}" must be 1–64 of A-Z a-z 0-9 _ . -`);
  }
  for (const [field, list] of [
    ['include', options.include],
    ['exclude', options.exclude],
  ] as const) {
    if (list !== undefined && !(Array.isArray(list) && list.every((e) => typeof e === 'string' && e !== ''))) {
      throw new ToolwireError('INVALID_INPUT', `${field} must be a list of tags or path globs.`);
    }
  }
}

function summarise(notes: ToolNotes, warnings: string[]): void {
  if (notes.renames.length > 0) {
    const shown = notes.renames.slice(0, 5).join('; ') + (notes.renames.length > 5 ? '; …' : '');
    warnings.push(`${notes.renames.length} parameter(s) renamed because their name is used in another location: ${shown}.`);
  }
  if (notes.nonJsonBodies.size > 0) {
    const kinds = [...notes.nonJsonBodies].map(([type, n]) => `${type} ×${n}`).join(', ');
    warnings.push(`Operations with a non-JSON body (${kinds}) got one "body" parameter; toolwire sends bodies as JSON, which such an endpoint may refuse.`);
  }
  if (notes.unnamedParameters > 0) {
    warnings.push(`${notes.unnamedParameters} parameter(s) or body propert(ies) with a blank name were left out: no argument can carry them.`);
  }
  if (notes.undeclaredPathParameters > 0) {
    warnings.push(`${notes.undeclaredPathParameters} operation(s) use path placeholders the document does not declare: added as required string parameters.`);
  }
}

export async function convertOpenApi(source: string | object, options: ConvertOptions = {}): Promise<OpenApiConversion> {
  checkOptions(options);
  const { doc, warnings } = await loadDocument(source);
  const operations = listOperations(doc);
  if (operations.length === 0) {
    throw new ToolwireError('INVALID_INPUT', 'The document has no operations under "paths" (webhooks are not imported): nothing to import.');
  }
  const { baseUrl, warning, toSet } = resolveBaseUrl(doc, options.baseUrl);
  if (warning !== undefined) warnings.push(warning);
  const security = mapSecurity(doc, baseUrl);
  warnings.push(...security.warnings);

  const notes: ToolNotes = { renames: [], nonJsonBodies: new Map(), undeclaredPathParameters: 0, unnamedParameters: 0 };
  const ctx = {
    doc,
    notes,
    slot: security.slot,
    codes: new CodeAllocator(),
    filter: new OperationFilter(options.include, options.exclude),
  };
  const tools: ImportTool[] = [];
  const skipped: SkippedOperation[] = [];
  options.onProgress?.(0, operations.length);
  operations.forEach((raw, index) => {
    const outcome = buildTool(raw, ctx);
    if ('tool' in outcome) {
      tools.push(outcome.tool);
      for (const p of outcome.skippedParameters) skipped.push({ operation: `${raw.method} ${raw.path}`, parameter: p.name, reason: p.reason });
    } else skipped.push({ operation: `${raw.method} ${raw.path}`, reason: outcome.skip });
    if ((index + 1) % PROGRESS_EVERY === 0 && index + 1 < operations.length) options.onProgress?.(index + 1, operations.length);
  });
  options.onProgress?.(operations.length, operations.length);

  summarise(notes, warnings);
  if (tools.length === 0) warnings.push('No operation could be imported as a tool.');
  const info = asRecord(doc.info);
  const name = boundText(asString(info.title)?.trim() || 'OpenAPI API', 200);
  return {
    provider: {
      name,
      code: options.providerCode ?? codeFromTitle(name),
      baseUrl,
      ...security.auth,
      toolMode: options.toolMode ?? 'direct',
      tools,
    },
    skipped,
    credentialsToFill: security.credentialsToFill,
    baseUrlToSet: toSet ?? null,
    warnings,
  };
}
