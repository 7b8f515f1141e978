import { type CallToolResult, type InputRequiredResult, inputRequired } from '@modelcontextprotocol/server';
import { isJsonObject } from '../../core/json.js';
import { type CredentialNeed, errorResult } from '../../core/tool-result.js';
import type { Caller } from './caller.js';

/**
 * How a call that needs the caller's own credential is answered over HTTP (SPEC §11 "Connect your
 * account"): with a link to `/connect/{ticket}`, in the shape the client can use — an `input_required`
 * result with a URL-mode elicitation (2026-07-28), an `elicitation/create` in URL mode (2025-11-25), or the
 * link in the isError text (any client that declared no URL elicitation). stdio has no page: it keeps the
 * plain isError, because it is given no `ConnectLinks`.
 */
export interface ConnectLinks {
  /** A fresh single-use link bound to this caller, or null when the caller cannot be sent to the page. */
  offer(need: CredentialNeed, caller: Caller): Promise<ConnectOffer | null>;
}

export interface ConnectOffer {
  url: string;
  /** Resolves true once the person has used the link (the credential is stored), false when it can no longer be. */
  used(signal?: AbortSignal): Promise<boolean>;
}

/** The key of our one embedded request in an `input_required` result. */
export const CONNECT_INPUT_KEY = 'connect';

/** What the user is told when sent to the page (the client shows it beside the link). */
export function connectMessage(need: CredentialNeed): string {
  return `Connect your account for "${need.providerCode}" to toolwire: open the link, prove it is you with your client's token, and enter your own credential for it. The link works once, for 10 minutes.`;
}

/** The isError for clients that cannot be sent to the page by the protocol: the refusal, and the link to open. */
export function linkedErrorResult(result: CallToolResult, offer: ConnectOffer): CallToolResult {
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return errorResult(
    `${text}\n\nOr connect your account in a browser: ${offer.url} (the link works once, for 10 minutes; it asks for your client's token first), then call again.`,
  );
}

/** The 2026-07-28 answer: the client opens the URL, then retries the call (which then finds the credential). */
export function connectInputRequired(need: CredentialNeed, offer: ConnectOffer): InputRequiredResult {
  return inputRequired({ inputRequests: { [CONNECT_INPUT_KEY]: inputRequired.elicitUrl({ message: connectMessage(need), url: offer.url }) } });
}

/** Whether client capabilities (initialize's, or a 2026-07-28 request's `_meta`) declare URL-mode elicitation. */
export function declaresUrlElicitation(capabilities: unknown): boolean {
  return isJsonObject(capabilities) && isJsonObject(capabilities.elicitation) && isJsonObject(capabilities.elicitation.url);
}

/**
 * Whether a retried 2026-07-28 call carries the person's "no" to our link (decline or cancel): the call is
 * then answered with the link in an isError, not asked again, so a client never loops on a refusal.
 */
export function connectRefused(inputResponses: unknown): boolean {
  if (!isJsonObject(inputResponses)) return false;
  const reply = inputResponses[CONNECT_INPUT_KEY];
  return isJsonObject(reply) && (reply.action === 'decline' || reply.action === 'cancel');
}
