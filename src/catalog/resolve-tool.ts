import { defaultProblem } from '../core/input-schema.js';
import { pathParameterNames } from '../core/path.js';
import { templateProblem } from '../core/template.js';
import type { FieldIssue } from '../core/errors.js';
import { forbiddenHeaderReason } from '../core/forbidden-headers.js';
import { isCredentialHeaderName } from '../core/redact.js';
import type { ToolRecord } from '../store/tools.js';
import type { Parameter, Tool } from '../core/model.js';
import { invalid } from './issues.js';
import { mergeMaxResultTokens, mergeRateLimit, type ParameterInput, type ToolInput } from './schemas.js';
import { FIELDS_EXAMPLE, readResponseFields } from '../core/response-fields.js';

function toParameter(input: ParameterInput): Parameter {
  const given = input.defaultValue;
  // HandsAI writes "" for "no default": stored as none, so `required` keeps its meaning.
  const fallback = typeof given === 'string' && given.trim() === '' ? null : given;
  return {
    name: input.name.trim(),
    type: input.type ?? 'STRING',
    description: input.description ?? null,
    required: input.required ?? false,
    defaultValue: fallback === undefined || fallback === null ? null : typeof fallback === 'string' ? fallback : JSON.stringify(fallback),
    location: input.location ?? null,
    enum: input.enum ?? null,
    schema: input.schema ?? null,
    apiName: input.apiName?.trim() || null,
    mcpHeader: input.mcpHeader?.trim() || null,
  };
}

/**
 * Merges a tool input (create when `existing` is null) into a complete record and checks it. A default
 * that is not of its parameter's type is refused — or, given `notes` (an import), dropped with a note
 * saying so, so a file written by HandsAI imports as it is.
 */
export function resolveTool(input: ToolInput, existing: Tool | null, providerId: number, code: string, subject: string, notes?: string[]): ToolRecord {
  const text = (value: string | null | undefined, kept: string | null) => (value === undefined || value === null ? kept : value);
  const record: ToolRecord = {
    providerId,
    code,
    name: (text(input.name, existing?.name ?? null) ?? '').trim(),
    description: text(input.description, existing?.description ?? null),
    endpointPath: (text(input.endpointPath, existing?.endpointPath ?? null) ?? '').trim(),
    httpMethod: input.httpMethod ?? existing?.httpMethod ?? 'GET',
    bodyPayloadTemplate: input.bodyPayloadTemplate === undefined ? (existing?.bodyPayloadTemplate ?? null) : input.bodyPayloadTemplate?.trim() || null,
    enabled: input.enabled ?? existing?.enabled ?? true,
    isExportable: input.isExportable ?? existing?.isExportable ?? true,
    parameters: input.parameters ? input.parameters.map(toParameter) : (existing?.parameters ?? []),
    outputSchema: input.outputSchema === undefined ? (existing?.outputSchema ?? null) : input.outputSchema,
    rateLimit: mergeRateLimit(input.rateLimit, existing?.rateLimit ?? null),
    maxResultTokens: mergeMaxResultTokens(input.maxResultTokens, existing?.maxResultTokens ?? null),
    responseFields: existing?.responseFields ?? null,
  };
  const issues = input.parameters ? defaultIssues(record, notes) : [];
  const fields = input.responseFields;
  if (fields !== undefined && fields !== null) {
    // An empty list (or string) removes the default projection.
    const read = Array.isArray(fields) && fields.length === 0 ? { paths: null } : fields === '' ? { paths: null } : readResponseFields(fields);
    if ('problem' in read) issues.push({ field: 'responseFields', message: `${read.problem}. ${FIELDS_EXAMPLE}` });
    else record.responseFields = read.paths;
  }
  issues.push(...checkTool(record));
  if (issues.length > 0) throw invalid(subject, issues);
  return record;
}

/** Defaults not of their parameter's type: issues, or with `notes`, dropped and noted. */
function defaultIssues(record: ToolRecord, notes: string[] | undefined): FieldIssue[] {
  const issues: FieldIssue[] = [];
  record.parameters.forEach((p, i) => {
    const problem = defaultProblem(p);
    if (problem === null) return;
    if (notes) {
      notes.push(`tool "${record.code}": the default of parameter "${p.name}" (${p.type}) was dropped: ${problem}.`);
      record.parameters[i] = { ...p, defaultValue: null };
    } else {
      issues.push({ field: `parameters[${i}].defaultValue`, message: `${problem}: give a ${p.type} value, or leave it out for no default` });
    }
  });
  return issues;
}

export function checkTool(t: ToolRecord): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!t.name) issues.push({ field: 'name', message: 'is required (a display title such as "Create issue")' });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t.endpointPath)) {
    issues.push({
      field: 'endpointPath',
      message: "must be a path such as /repos/{owner}/{repo}, not a full URL (the host belongs in the provider's baseUrl)",
    });
  }
  const seen = new Set<string>();
  t.parameters.forEach((p, i) => {
    if (seen.has(p.name)) issues.push({ field: `parameters[${i}].name`, message: `"${p.name}" appears twice; parameter names must be unique` });
    seen.add(p.name);
    const sent = p.apiName ?? p.name;
    const reason = p.location === 'HEADER' ? forbiddenHeaderReason(sent) : undefined;
    if (reason) {
      issues.push({
        field: `parameters[${i}].name`,
        message: `"${sent}" cannot be a header argument: ${reason}. Set a fixed header in the provider's customHeaders instead, or drop the parameter`,
      });
    }
  });
  issues.push(...mcpHeaderIssues(t.parameters));
  for (const name of pathParameterNames(t.endpointPath)) {
    if (!seen.has(name)) issues.push({ field: 'endpointPath', message: `uses {${name}} but no parameter is named "${name}"; add it to parameters` });
  }
  if (t.bodyPayloadTemplate) {
    const problem = templateProblem(t.bodyPayloadTemplate);
    if (problem) issues.push({ field: 'bodyPayloadTemplate', message: `must be JSON with {{parameter}} placeholders (${problem})` });
  }
  return issues;
}

/** Types a client can mirror into a header (SEP-2243: primitives only; the v2 client drops a tool declaring another). */
const HEADER_TYPES = new Set<Parameter['type']>(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN']);

/**
 * `mcpHeader` values a client can send and a gateway may see: an HTTP token, unique per tool
 * (case-insensitively), on a primitive top-level argument, and never a name that carries a
 * credential or steers routing (it is sent as `Mcp-Param-{name}`, but a proxy may still act on it).
 */
function mcpHeaderIssues(parameters: Parameter[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Map<string, string>();
  parameters.forEach((p, i) => {
    if (p.mcpHeader === null) return;
    const field = `parameters[${i}].mcpHeader`;
    const name = p.mcpHeader;
    const reason = forbiddenHeaderReason(name) ?? (isCredentialHeaderName(name) ? 'it names a credential header' : undefined);
    if (reason) issues.push({ field, message: `"${name}" cannot be an mcpHeader: ${reason}. Use a plain name such as "Region"` });
    if (!HEADER_TYPES.has(p.type) || p.schema) {
      issues.push({ field, message: 'is only allowed on a STRING, NUMBER, INTEGER or BOOLEAN parameter without a nested schema' });
    }
    const prior = seen.get(name.toLowerCase());
    if (prior !== undefined) issues.push({ field, message: `"${name}" is already the mcpHeader of "${prior}" (names are compared ignoring case)` });
    seen.set(name.toLowerCase(), p.name);
  });
  return issues;
}
