import { pathParameterNames } from '../core/path.js';
import { templateProblem } from '../core/template.js';
import type { FieldIssue } from '../core/errors.js';
import { forbiddenHeaderReason } from '../core/forbidden-headers.js';
import type { ToolRecord } from '../store/tools.js';
import type { Parameter, Tool } from '../core/model.js';
import { invalid } from './issues.js';
import type { ParameterInput, ToolInput } from './schemas.js';

function toParameter(input: ParameterInput): Parameter {
  const fallback = input.defaultValue;
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
  };
}

/** Merges a tool input (create when `existing` is null) into a complete record and checks it. */
export function resolveTool(input: ToolInput, existing: Tool | null, providerId: number, code: string, subject: string): ToolRecord {
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
  };
  const issues = checkTool(record);
  if (issues.length > 0) throw invalid(subject, issues);
  return record;
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
  for (const name of pathParameterNames(t.endpointPath)) {
    if (!seen.has(name)) issues.push({ field: 'endpointPath', message: `uses {${name}} but no parameter is named "${name}"; add it to parameters` });
  }
  if (t.bodyPayloadTemplate) {
    const problem = templateProblem(t.bodyPayloadTemplate);
    if (problem) issues.push({ field: 'bodyPayloadTemplate', message: `must be JSON with {{parameter}} placeholders (${problem})` });
  }
  return issues;
}
