import { randomUUID } from 'node:crypto';
import type { CallToolResult, InputRequiredResult, Server, ServerContext } from '@modelcontextprotocol/server';
import { type CredentialNeed, credentialNeedOf } from '../../core/tool-result.js';
import type { Caller } from './caller.js';
import { type ConnectLinks, connectInputRequired, connectMessage, connectRefused, declaresUrlElicitation, linkedErrorResult } from './connect-answer.js';

/** How long a 2025-11-25 call waits for the person to use the link: as long as the link itself is valid. */
const ELICITATION_WAIT_MS = 10 * 60_000;

export interface MissingCredential {
  result: CallToolResult;
  need: CredentialNeed;
  caller: Caller;
  connect: ConnectLinks;
  era: 'legacy' | 'modern';
  /** The client's capabilities: the request's `_meta` (2026-07-28), or its initialize (2025-11-25). */
  capabilities: unknown;
  ctx: ServerContext;
  server: Server;
  /** Runs the call again (same arguments, same caller). */
  again: () => Promise<CallToolResult>;
}

/**
 * The SDK handlers' answer to a call whose caller lacks its own credential (SPEC §11):
 * - 2026-07-28, URL elicitation declared: `input_required` with the link; the client retries the call
 *   (a retry that declined the link gets the isError naming it instead of being asked again).
 * - 2025-11-25, URL elicitation declared: `elicitation/create` in URL mode during the call. When the
 *   client accepts, the call waits until the person has used the link (or it expires, or the call is
 *   cancelled), sends `notifications/elicitation/complete`, and runs once more: its result is the answer.
 *   A decline, a cancel or a link left unused is answered with the isError naming a link, to call again.
 * - otherwise: the isError naming the link.
 */
export async function answerMissingCredential(m: MissingCredential): Promise<CallToolResult | InputRequiredResult> {
  const offer = await m.connect.offer(m.need, m.caller);
  if (!offer) return m.result;
  if (!declaresUrlElicitation(m.capabilities)) return linkedErrorResult(m.result, offer);
  if (m.era === 'modern') return connectRefused(m.ctx.mcpReq.inputResponses) ? linkedErrorResult(m.result, offer) : connectInputRequired(m.need, offer);
  const elicitationId = randomUUID();
  const signal = m.ctx.mcpReq.signal;
  let accepted = false;
  try {
    const reply = await m.ctx.mcpReq.elicitInput(
      { mode: 'url', message: connectMessage(m.need), url: offer.url, elicitationId },
      { signal, timeout: ELICITATION_WAIT_MS, resetTimeoutOnProgress: true },
    );
    accepted = reply.action === 'accept';
  } catch {
    // The client could not show it (or timed out): the link in the text still works.
  }
  if (!accepted) return linkedErrorResult(m.result, offer);
  if (!(await offer.used(signal))) {
    const fresh = await m.connect.offer(m.need, m.caller);
    return fresh ? linkedErrorResult(m.result, fresh) : m.result;
  }
  try {
    await m.server.createElicitationCompletionNotifier(elicitationId)();
  } catch {
    // Only a courtesy: the client learns the outcome from the answer anyway.
  }
  const retried = await m.again();
  if (!credentialNeedOf(retried)) return retried;
  const fresh = await m.connect.offer(m.need, m.caller);
  return fresh ? linkedErrorResult(retried, fresh) : retried;
}
