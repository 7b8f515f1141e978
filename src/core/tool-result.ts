import type { CallToolResult } from '@modelcontextprotocol/server';

/** A failed tool call as agents see it: one text block, `isError` set (never a JSON-RPC error). */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Which provider a call needed the caller's own credential for (SPEC §11 "Connect your account"). */
export interface CredentialNeed {
  providerId: number;
  providerCode: string;
  /** The identity that made the call and lacks the credential. */
  clientName: string;
}

/** Symbol-keyed, so it never reaches the wire: JSON and the SDK's schemas see only the isError result. */
const CREDENTIAL_NEED = Symbol('toolwire.credentialNeed');

/**
 * The answer to a call that needs a credential the caller lacks: an isError result that says so (what
 * stdio and every caller that cannot be sent to the connect page get), marked with the need, so the
 * inbound side can answer it with a connect link instead (input_required, elicitation/create, or a link
 * in the text) — one signal for every kind: a missing key, payload, MCP key, or an OAuth 2 grant to renew.
 */
export function credentialRequiredResult(need: CredentialNeed, message: string): CallToolResult {
  const result = errorResult(message);
  Object.defineProperty(result, CREDENTIAL_NEED, { value: need, enumerable: false });
  return result;
}

/** The need a result is marked with, if any. */
export function credentialNeedOf(result: CallToolResult): CredentialNeed | undefined {
  return (result as { [CREDENTIAL_NEED]?: CredentialNeed })[CREDENTIAL_NEED];
}
