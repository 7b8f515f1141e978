import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/server';
import type { TokenRefusal } from '../dynamic-auth/index.js';
import { providerSecrets } from '../credentials/provider-secrets.js';
import { injectCredential } from '../credentials/strategies.js';
import {
  type CallCredential,
  callCredential,
  missingCredentialMessage,
  type UserCredentialEntry,
  type UserCredentials,
  NO_USER_CREDENTIALS,
  sharedCredential,
} from '../credentials/per-user.js';
import { describeError } from '../../core/errors.js';
import { chainRedactors, createRedactor, type Redactor } from '../../core/redact.js';
import type { ArgumentValidator } from '../../registry/validate-args.js';
import type { CallContext, HttpToolFactory, ToolEntry } from '../../registry/types.js';
import { childTraceparent } from '../../core/trace-context.js';
import type { HttpProvider, Provider, Tool } from '../../core/model.js';
import { planRequest, type OutgoingRequest, type RequestPlan } from './request.js';
import { credentialRequiredResult, errorResult } from '../../core/tool-result.js';
import { mapResponse } from './result.js';
import type { HttpSender, UpstreamResponse } from './send.js';

/** Dynamic-auth tokens, as the call path needs them (implemented in auth/dynamic). */
export interface TokenSource {
  getToken(provider: Provider): Promise<string>;
  /** The API refused `staleToken`: says whether to retry with a new token, and takes that retry's outcome. */
  invalidate(providerId: number, staleToken: string): TokenRefusal;
  isInvalidation(status: number, body: string, keywords: string | null): boolean;
}

export interface HttpToolDeps {
  sender: HttpSender;
  tokens: TokenSource;
  /** Each client's own credentials for per-user providers (SPEC §11); none when absent. */
  users?: UserCredentials;
}

/** A provider's secrets and the redactor built from them, shared by its tools. */
export interface ProviderRuntime {
  provider: HttpProvider;
  redact: Redactor;
}

/** The registry's factory for HTTP tools: entries that send through `deps`. */
export function createHttpToolFactory(deps: HttpToolDeps): HttpToolFactory {
  return {
    runtime: providerRuntime,
    entry: (tool, runtime, definition, validate) => httpToolEntry(tool, runtime as ProviderRuntime, definition, validate, deps),
  };
}

export function providerRuntime(provider: HttpProvider): ProviderRuntime {
  return { provider, redact: createRedactor(providerSecrets(provider)) };
}

/**
 * An HTTP tool: validate → build → inject → send → map. When the API refuses a dynamic token, it is
 * retried once with a new one — unless the provider is backing off because fresh tokens were refused
 * too, which the result then says.
 */
export function httpToolEntry(tool: Tool, runtime: ProviderRuntime, definition: McpTool, validate: ArgumentValidator, deps: HttpToolDeps): ToolEntry {
  const { provider } = runtime;
  const users = deps.users ?? NO_USER_CREDENTIALS;
  const shared = sharedCredential(provider);
  let plan: RequestPlan | null = null;
  // A dynamic token is masked too; its redactor is made once per token, not once per call.
  let tokenRedactor: { token: string; redact: Redactor } | null = null;
  function redactorFor(token: string | null): Redactor {
    if (token === null) return runtime.redact;
    if (tokenRedactor?.token !== token) tokenRedactor = { token, redact: chainRedactors(createRedactor([token]), runtime.redact) };
    return tokenRedactor.redact;
  }
  // A caller's own secrets are masked too: one redactor per credential entry (a new entry per credential version).
  const ownRedactors = new WeakMap<UserCredentialEntry, Redactor>();
  function redactorOf(credential: CallCredential, token: string | null): Redactor {
    const { own } = credential;
    if (own === null) return redactorFor(token);
    let redact = ownRedactors.get(own);
    if (!redact) ownRedactors.set(own, (redact = chainRedactors(own.redact, runtime.redact)));
    return redact;
  }

  async function attempt(args: Record<string, unknown>, credential: string | null, context: CallContext, headers?: Record<string, string>) {
    plan ??= planRequest(tool, provider.baseUrl, provider.customHeaders);
    const request = plan.build(args);
    if (headers) for (const [name, value] of Object.entries(headers)) request.headers[name.toLowerCase()] = value;
    injectCredential(request, provider, credential);
    // The call observer (SPEC §12) hears of each request: status and bytes, and its upstream span's traceparent.
    const watched = context.upstream?.start(request.method, request.url, request.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(request.body)));
    if (watched?.traceparent) request.headers.traceparent = watched.traceparent;
    else if (context.trace) request.headers.traceparent = childTraceparent(context.trace.traceparent);
    if (context.trace?.tracestate) request.headers.tracestate = context.trace.tracestate;
    if (!watched) return { request, response: await deps.sender.send(request, context.signal) };
    try {
      const response = await deps.sender.send(request, context.signal);
      watched.end(response.status, response.body.length);
      return { request, response };
    } catch (err) {
      watched.end(null, 0, err);
      throw err;
    }
  }

  const refused = (response: UpstreamResponse) =>
    deps.tokens.isInvalidation(response.status, response.body.toString('utf8'), provider.dynamicAuthInvalidationKeywords);

  return {
    definition,
    providerCode: provider.code,
    async invoke(args, context): Promise<CallToolResult> {
      const problem = validate(args);
      if (problem) return errorResult(`Invalid arguments for tool "${tool.code}": ${problem}. Nothing was sent.`);
      const credential = callCredential(provider, context.caller, users, shared);
      if (credential === null) {
        const clientName = context.caller as string;
        const need = { providerId: provider.id, providerCode: provider.code, clientName };
        return credentialRequiredResult(need, missingCredentialMessage(provider.code, clientName));
      }
      let token: string | null = null;
      try {
        token = provider.isDynamicAuth ? await deps.tokens.getToken(provider) : null;
        let { request, response } = await attempt(args, token ?? credential.apiKeyValue, context, credential.headers);
        let note: string | null = null;
        if (token !== null && refused(response)) {
          const refusal = deps.tokens.invalidate(provider.id, token);
          if (refusal.retry) {
            token = await deps.tokens.getToken(provider);
            ({ request, response } = await attempt(args, token, context));
            note = refusal.settle(token, !refused(response));
          } else {
            note = refusal.reason;
          }
        }
        const redact = redactorOf(credential, token);
        // Named only when a message needs it: most answers never do.
        const label = () => redact(requestLabel(request));
        const result = withNote(mapResponse(response, redact, label), note);
        return definition.outputSchema ? keepOutputPromise(result, label) : result;
      } catch (err) {
        return errorResult(redactorOf(credential, token)(`Tool "${tool.code}" failed: ${describeError(err)}`));
      }
    },
  };
}

/**
 * How an answer names the request: its method and the path it went to (the provider's base path and the
 * rendered tool path, `GET /api/fail`), never the query, whose values may hold an API key.
 */
function requestLabel(request: OutgoingRequest): string {
  return `${request.method} ${request.url.slice(request.origin.length) || '/'}`;
}

/** A failed call's message, followed by why its token was not replaced (the provider's refusal backoff). */
function withNote(result: CallToolResult, note: string | null): CallToolResult {
  if (!note || !result.isError) return result;
  return { ...result, content: [...result.content, { type: 'text', text: note }] };
}

/**
 * A tool that declares an outputSchema must answer with structuredContent, or MCP clients (the SDK's
 * among them) refuse the whole result. When the API answered something else — an array, text, an
 * empty body — the agent still gets the answer, as an error that says why.
 */
function keepOutputPromise(result: CallToolResult, label: () => string): CallToolResult {
  if (result.isError || result.structuredContent) return result;
  const shown = result.content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('\n');
  return errorResult(
    `The API answered ${label()} with ${shown.trim() === '' ? 'an empty body' : 'something other than the JSON object its description promises'}, so it is not shown as structured content.${shown.trim() === '' ? '' : `\n${shown}`}`,
  );
}
