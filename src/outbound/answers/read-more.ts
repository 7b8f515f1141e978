import type { CallToolResult } from '@modelcontextprotocol/server';
import { OWNER_NAME } from '../../core/identity.js';
import { errorResult } from '../../core/tool-result.js';
import type { CallContext, ToolEntry } from '../../registry/types.js';
import { fenceText } from './fence.js';
import { HANDLE_TTL_MS, type KeptAnswer, type KeptAnswers } from './kept-answers.js';
import { partAt } from './parts.js';
import { READ_MORE_TOOL } from './read-more-name.js';

/**
 * `toolwire_read_more {handle, offset?}` (SPEC §14): the next part of an answer that was cut, from memory
 * (no upstream call). Without an offset each call returns the part after the last one read; parts hold
 * every item (member, line) exactly once. A handle of another identity, or of a tool now out of the
 * caller's scope, is answered exactly like an unknown one.
 */
export function readMoreEntry(kept: KeptAnswers): ToolEntry {
  return {
    providerCode: 'toolwire',
    forEveryCaller: true,
    definition: {
      name: READ_MORE_TOOL,
      title: 'Read more of a cut answer',
      description:
        'Returns the next part of a tool answer that was cut to fit the answer budget. Give the handle from that answer; offset (optional) starts the part at an item index (or character offset for text).',
      inputSchema: {
        type: 'object',
        properties: {
          handle: { type: 'string', description: 'The handle named in the cut answer' },
          offset: { type: 'integer', minimum: 0, description: 'Where the part starts; absent: after the last part read' },
        },
        required: ['handle'],
      },
      annotations: { title: 'Read more of a cut answer', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async invoke(args, context) {
      const handle = args.handle;
      if (typeof handle !== 'string' || handle === '') return errorResult(`Argument "handle" is required: the handle a cut answer named (like "rm_…").`);
      const answer = await found(kept, handle, context);
      if (!answer) {
        return errorResult(
          `No answer is kept under handle "${handle.slice(0, 80)}": handles last ${HANDLE_TTL_MS / 60_000} minutes and belong to the identity that got them. Call the tool again (with _fields to ask for less).`,
        );
      }
      const offset = args.offset ?? answer.next;
      const end = answer.kind === 'items' ? answer.base + answer.units.length : answer.kind === 'members' ? answer.units.length : answer.total;
      const start = answer.kind === 'items' || answer.kind === 'text' ? answer.base : 0;
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < start || offset > end) {
        return errorResult(`Argument "offset" must be a whole number from ${start} to ${end} for this answer (got ${JSON.stringify(args.offset)}).`);
      }
      if (offset === end) return { content: [{ type: 'text', text: `Nothing more: all of this answer has been read (offset ${end} is its end).` }] };
      const part = partAt(answer, offset);
      await kept.advance(handle, answer, part.next ?? end);
      return partResult(answer, part.text, offset, part.to, part.next, end);
    },
  };
}

async function found(kept: KeptAnswers, handle: string, context: CallContext): Promise<KeptAnswer | undefined> {
  const answer = await kept.find(handle, context.caller ?? OWNER_NAME);
  if (answer && context.scope && !context.scope(answer.providerCode, answer.toolCode)) return undefined;
  return answer;
}

function partResult(answer: KeptAnswer, text: string, from: number, to: number, next: number | null, end: number): CallToolResult {
  const unit = answer.kind === 'items' ? 'items' : answer.kind === 'members' ? 'members' : 'characters';
  const where = answer.kind === 'items' ? ` of ${answer.path}` : '';
  const span = `This part holds ${unit} ${from} to ${to - 1}${where} (of ${end} in all) from the answer of ${answer.toolCode}.`;
  const after = next === null ? ' It is the last part: all of the answer has been read.' : ` Next part: ${READ_MORE_TOOL} with offset ${next}.`;
  return {
    content: [
      { type: 'text', text: answer.fence === null ? text : fenceText(text, answer.fence) },
      { type: 'text', text: `Note: ${span}${after}` },
    ],
    _meta: { 'toolwire/continuation': { from, to, nextOffset: next, total: end } },
  };
}
