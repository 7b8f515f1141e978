import type { CallToolResult } from '@modelcontextprotocol/server';
import type { JsonSchema } from '../../core/model.js';
import { errorResult } from '../../core/tool-result.js';
import { cutJson, cutText, NOTE_RESERVE, type Cut } from './cut.js';
import { fenceText } from './fence.js';
import { isJsonAnswer, jsonValueOf, withJsonValue } from './json-value.js';
import { HANDLE_TTL_MS, type KeptAnswers } from './kept-answers.js';
import { project } from './projection.js';
import { READ_MORE_TOOL } from './read-more-name.js';

/** What one HTTP tool's answers go through, worked out once per tool entry (SPEC §14). */
export interface AnswerShaping {
  readonly toolCode: string;
  readonly providerCode: string;
  /** The provider's name when its text is fenced (`fenceUpstreamText`), else null. */
  readonly fence: string | null;
  /** Infinity: no budget. */
  readonly budgetBytes: number;
  readonly outputSchema: JsonSchema | null;
  /** The tool's `responseFields`, used when a call gives no `_fields`. */
  readonly defaultFields: readonly string[] | null;
}

/**
 * A mapped (already masked) answer made to fit: projected by `fields` (or the tool's default), then cut
 * to the budget with the rest kept for `toolwire_read_more`, then fenced. Errors and images pass as they
 * are. An answer that needs none of it costs a length check per text part.
 */
export async function shapeAnswer(
  result: CallToolResult,
  shaping: AnswerShaping,
  fields: readonly string[] | null,
  owner: string,
  kept: KeptAnswers,
): Promise<CallToolResult> {
  if (result.isError) return result;
  const paths = fields ?? shaping.defaultFields;
  let shaped = result;
  if (paths !== null) shaped = projected(result, paths, shaping, fields !== null);
  if (!fits(shaped, shaping.budgetBytes)) shaped = await cut(shaped, shaping, owner, kept);
  return shaping.fence === null ? shaped : fenced(shaped, shaping.fence);
}

function fits(result: CallToolResult, budget: number): boolean {
  if (budget === Number.POSITIVE_INFINITY) return true;
  let size = 0;
  for (const part of result.content) {
    if (part.type !== 'text') continue;
    // A UTF-16 unit is at most 3 bytes of UTF-8: most answers are decided without counting bytes.
    size += part.text.length * 3 <= budget ? part.text.length : Buffer.byteLength(part.text);
    if (size > budget) break;
  }
  if (size <= budget) return true;
  // Counted exactly only when the quick bound says it might not fit.
  size = 0;
  for (const part of result.content) if (part.type === 'text') size += Buffer.byteLength(part.text);
  return size <= budget;
}

function projected(result: CallToolResult, paths: readonly string[], shaping: AnswerShaping, asked: boolean): CallToolResult {
  if (!isJsonAnswer(result)) {
    if (!asked) return result;
    return {
      ...result,
      content: [...result.content, { type: 'text', text: 'Note: _fields selects from JSON answers; this answer is not JSON, so it is shown whole.' }],
    };
  }
  const { value, matched } = project(jsonValueOf(result), paths, shaping.outputSchema);
  const content: CallToolResult['content'] = [{ type: 'text', text: JSON.stringify(value) }];
  if (matched === 0) content.push({ type: 'text', text: `Note: no value of the answer matched ${paths.map((p) => JSON.stringify(p)).join(', ')}.` });
  const out: CallToolResult = { content, ...(isObject(value) ? { structuredContent: value } : {}) };
  // A new JSON answer: the budget cuts it as JSON.
  return withJsonValue(out, value);
}

async function cut(result: CallToolResult, shaping: AnswerShaping, owner: string, kept: KeptAnswers): Promise<CallToolResult> {
  const first = result.content[0];
  if (first?.type !== 'text') return result; // an image: never cut
  const whole = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
  const budget = shaping.budgetBytes;
  const isJson = isJsonAnswer(result) && result.content.length === 1;
  const piece: Cut = isJson ? cutJson(jsonValueOf(result), first.text, budget, shaping.outputSchema) : cutText(whole, budget);
  const handle = await kept.keep({
    owner,
    providerCode: shaping.providerCode,
    toolCode: shaping.toolCode,
    kind: piece.kind,
    path: piece.path,
    units: piece.units,
    base: piece.base,
    total: piece.total,
    budgetBytes: Math.max(1, budget - NOTE_RESERVE),
    fence: shaping.fence,
    next: piece.base,
  });
  const note = cutNote(piece, budget, Buffer.byteLength(whole), handle);
  if (piece.requiredOverBudget) return errorResult(note);
  const structured = isJson && isObject(piece.value) && result.structuredContent !== undefined;
  return {
    content: [
      { type: 'text', text: piece.text },
      { type: 'text', text: note },
    ],
    ...(structured ? { structuredContent: piece.value as Record<string, unknown> } : {}),
    ...(handle === null
      ? {}
      : { _meta: { 'toolwire/continuation': { handle, path: piece.path, kind: piece.kind, nextOffset: piece.base, total: piece.total } } }),
  };
}

/** What was left out and how to read it: counts, the path, the handle and its lifetime. */
function cutNote(piece: Cut, budget: number, bytes: number, handle: string | null): string {
  const tokens = Math.floor(budget / 4);
  const head = `Note: this answer (${bytes} bytes, about ${Math.ceil(bytes / 4)} tokens) is over the answer budget of ${tokens} tokens, so it was cut`;
  let what: string;
  if (piece.kind === 'items')
    what = `: ${piece.path} shows ${piece.shown} of its ${piece.total} items; ${piece.total - piece.shown} were left out (every other member is whole).`;
  else if (piece.kind === 'members') {
    const names = piece.units.map((u) => JSON.parse(`{${u}}`) as Record<string, unknown>).flatMap((o) => Object.keys(o));
    const shownNames = names
      .slice(0, 20)
      .map((n) => JSON.stringify(n))
      .join(', ');
    what = piece.requiredOverBudget
      ? `, and the members its output schema requires are over the budget by themselves, so none is shown here: all ${piece.total} members (${shownNames}${names.length > 20 ? ', …' : ''}) can be read in parts.`
      : `: ${piece.shown} members are shown; ${piece.total} were left out (${shownNames}${names.length > 20 ? ', …' : ''}).`;
  } else what = ` at a line end: ${piece.shown} of its ${piece.total} characters are shown; ${piece.total - piece.shown} were left out.`;
  if (handle === null) return `${head}${what} The rest is too large to keep for reading later: call again with _fields to ask for less.`;
  const offset = piece.kind === 'members' ? 0 : piece.base;
  return `${head}${what} Read the rest with ${READ_MORE_TOOL} {"handle": "${handle}"} (the next part starts at offset ${offset}; each call returns the next part). The handle lasts ${HANDLE_TTL_MS / 60_000} minutes. Or call again with _fields to ask for less.`;
}

function fenced(result: CallToolResult, providerName: string): CallToolResult {
  const first = result.content[0];
  if (first?.type !== 'text') return result;
  return { ...result, content: [{ type: 'text', text: fenceText(first.text, providerName) }, ...result.content.slice(1)] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
