import { isRequiredArgument } from '../../core/input-schema.js';
import type { Tool } from '../../core/model.js';
import { invokeTool } from '../../registry/scoped-view.js';
import { dryRun } from './dry-run.js';
import type { Reply } from './errors.js';
import type { AdminDeps } from './deps.js';

/**
 * `POST /admin/tools/{id}/validate`: a tool that needs no arguments is called for real, through the
 * registry exactly as an agent would call it; one that needs arguments is shown as the request it
 * would send with example values (a dry run: nothing is sent, every secret masked).
 */
export async function validateTool({ catalog, registry }: Pick<AdminDeps, 'catalog' | 'registry'>, tool: Tool): Promise<Reply> {
  const provider = await catalog.getProvider(tool.providerId);
  const subject = { id: tool.id, code: tool.code, providerCode: provider.code };
  const required = tool.parameters.filter(isRequiredArgument).map((p) => p.name);
  const served = tool.enabled && provider.enabled && provider.kind === 'http' && provider.toolMode !== 'meta';
  await registry.refresh(); // a write by another process (the CLI) may not have been noticed yet
  // An auto provider served as meta tools has no entry under the tool's code: shown as a dry run.
  const snapshot = registry.current();
  const entry = served ? snapshot.entries.get(tool.code) : undefined;

  if (required.length === 0 && entry) {
    // Through the registry's observer like any call: audited, counted, rate-limited (SPEC §12).
    const result = await invokeTool(snapshot, entry, {}, {});
    return { status: 200, body: { mode: 'call', tool: subject, ok: result.isError !== true, result } };
  }
  const reason =
    required.length > 0
      ? `The tool needs ${required.join(', ')} (required, no default): shown with example values, nothing was sent.`
      : 'The tool is not served directly (it or its provider is disabled, or the provider is not a direct HTTP provider): shown as a dry run, nothing was sent.';
  return { status: 200, body: { mode: 'dry-run', tool: subject, reason, ...dryRun(tool, provider) } };
}
