import type { Catalog } from '../../catalog/catalog.js';
import { invalid, zodIssues } from '../../catalog/issues.js';
import { toolInputSchema, type ToolInput } from '../../catalog/schemas.js';
import { ToolwireError, type FieldIssue } from '../../core/errors.js';
import type { Provider, Tool } from '../../core/model.js';
import { isJsonObject } from '../../core/json.js';

const SUBJECT = 'The tool batch';

/** The list a batch body holds: a JSON list, or HandsAI-style `{ "tools": [...] }`. */
function batchItems(raw: unknown): unknown[] {
  const list = Array.isArray(raw) ? raw : isJsonObject(raw) && Array.isArray(raw.tools) ? raw.tools : null;
  if (!list) throw invalid(SUBJECT, [{ field: '(body)', message: 'must be a JSON list of tools' }]);
  if (list.length === 0) throw invalid(SUBJECT, [{ field: '(body)', message: 'must list at least one tool' }]);
  return list;
}

/** Every item checked before anything is written, so one answer names every bad field of every tool. */
function parseAll(items: unknown[]): ToolInput[] {
  const issues: FieldIssue[] = [];
  const inputs = items.map((item, i) => {
    const result = toolInputSchema.safeParse(item);
    if (!result.success) issues.push(...zodIssues(result.error, `[${i}]`));
    return result.success ? result.data : null;
  });
  if (issues.length > 0) throw invalid(SUBJECT, issues);
  return inputs as ToolInput[];
}

async function providerOf(catalog: Catalog, input: ToolInput, i: number): Promise<Provider> {
  const byId = input.providerId ?? null;
  const byCode = input.providerCode?.trim() || null;
  if (byId === null && byCode === null) {
    throw invalid(SUBJECT, [{ field: `[${i}].providerCode`, message: 'is required: the code of the provider this tool belongs to (or give providerId)' }]);
  }
  const found = await catalog.findProvider(byId ?? (byCode as string));
  if (found) return found;
  const field = byId !== null ? `[${i}].providerId` : `[${i}].providerCode`;
  const named = byId !== null ? `with id ${byId}` : `with code "${byCode}"`;
  throw invalid(SUBJECT, [{ field, message: `names provider ${named}, which does not exist; create it first or fix the reference` }]);
}

/** A catalog error about one tool, its fields prefixed with the tool's place in the list (and its message, unless it already names it). */
function located(err: unknown, subject: string, i: number): unknown {
  if (!(err instanceof ToolwireError)) return err;
  const issues = err.issues.map((issue) => ({ field: `[${i}].${issue.field}`, message: issue.message }));
  const message = err.subject === subject ? err.message : `${subject}: ${err.message}`;
  return new ToolwireError(err.code, message, { issues, cause: err, subject });
}

/**
 * HandsAI's `POST /admin/tools/api/batch`: all tools created in one transaction, or none — a bad
 * tool, a missing provider or a duplicate code (in the database or within the list) rejects all.
 */
export function createToolBatch(catalog: Catalog, raw: unknown): Promise<Tool[]> {
  const inputs = parseAll(batchItems(raw));
  return catalog.write(
    async () => {
      const tools: Tool[] = [];
      for (const [i, input] of inputs.entries()) {
        const provider = await providerOf(catalog, input, i);
        const subject = `Tool [${i}] of the batch`;
        try {
          tools.push(await catalog.insertTool(input, provider, subject));
        } catch (err) {
          throw located(err, subject, i);
        }
      }
      return tools;
    },
    (tools) => ({ action: 'tool.create-batch', object: `tools:${tools.length}`, detail: tools.map((t) => t.code).join(', ') }),
  );
}
