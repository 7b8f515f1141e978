import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/server';
import { type TokenRefusal, usesProviderToken } from '../dynamic-auth/index.js';
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
import { OWNER_NAME } from '../../core/identity.js';
import { GrantNeededError, type GrantManager } from '../oauth2/grants.js';
import { chainRedactors, createRedactor, type Redactor } from '../../core/redact.js';
import type { ArgumentValidator } from '../../registry/validate-args.js';
import type { CallContext, HttpToolFactory, ToolEntry } from '../../registry/types.js';
import { childTraceparent } from '../../core/trace-context.js';
import type { HttpProvider, Provider, Tool } from '../../core/model.js';
import { readPayload } from '../../core/payload.js';
import { userPayloadObject } from '../../core/user-credentials.js';
import { planRequest, type OutgoingRequest, type RequestPlan } from './request.js';
import { credentialRequiredResult, errorResult } from '../../core/tool-result.js';
import { mapResponse } from './result.js';
import { budgetBytes } from '../../core/result-budget.js';
import { FIELDS_ARGUMENT, FIELDS_EXAMPLE, readResponseFields } from '../../core/response-fields.js';
import type { KeptAnswers } from '../answers/kept-answers.js';
import { readMoreEntry } from '../answers/read-more.js';
import { shapeAnswer, type AnswerShaping } from '../answers/shape.js';
import type { HttpSender, UpstreamResponse } from './send.js';

/** Dynamic-auth tokens, as the call path needs them (implemented in auth/dynamic). */
export interface TokenSource {
  /** The shared token, or with `client` that client's own (fetched with the payload `provider` carries). */
  getToken(provider: Provider, client?: string): Promise<string>;
  /** The API refused `staleToken`: says whether to retry with a new token, and takes that retry's outcome. */
  invalidate(providerId: number, staleToken: string, client?: string): TokenRefusal;
  isInvalidation(status: number, body: string, keywords: string | null): boolean;
}

export interface HttpToolDeps {
  sender: HttpSender;
  tokens: TokenSource;
  /** Each client's own credentials for per-user providers (SPEC §11); none when absent. */
  users?: UserCredentials;
  /** Each client's OAuth 2 grant as calls use it (renewals); absent = no authorization-code provider can be called. */
  grants?: GrantManager;
  /** The answer budget and the kept answers `toolwire_read_more` reads (SPEC §14); absent: answers pass whole. */
  answers?: AnswerDeps;
}

export interface AnswerDeps {
  kept: KeptAnswers;
  /** TOOLWIRE_MAX_RESULT_TOKENS (0: none), unless a provider or tool sets its own. */
  maxResultTokens: number;
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
    companions: deps.answers ? [readMoreEntry(deps.answers.kept)] : [],
  };
}

export function providerRuntime(provider: HttpProvider): ProviderRuntime {
  return { provider, redact: createRedactor(providerSecrets(provider)) };
}

/**
 * An HTTP tool: validate → build → inject → send → map. Its call path (closures, redactor caches, answer
 * shaping) is made on its first call: a server with 10,000 tools builds and lists them all at start but
 * calls few, and per-tool state made up front cost ~10 MB and ~40 ms of that start.
 */
export function httpToolEntry(tool: Tool, runtime: ProviderRuntime, definition: McpTool, validate: ArgumentValidator, deps: HttpToolDeps): ToolEntry {
  let invoke: ToolEntry['invoke'] | null = null;
  return {
    definition,
    providerCode: runtime.provider.code,
    invoke: (given, context) => (invoke ??= callPath(tool, runtime, definition, validate, deps))(given, context),
  };
}

/**
 * How an HTTP tool is called. When the API refuses a dynamic token, it is retried once with a new one —
 * unless the provider is backing off because fresh tokens were refused too, which the result then says.
 */
function callPath(tool: Tool, runtime: ProviderRuntime, definition: McpTool, validate: ArgumentValidator, deps: HttpToolDeps): ToolEntry['invoke'] {
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
  // A caller's own secrets (and own token) are masked too: one redactor per credential entry and token
  // (a new entry per credential version), not per call.
  const ownRedactors = new WeakMap<UserCredentialEntry, { token: string | null; redact: Redactor }>();
  function redactorOf(credential: CallCredential, token: string | null): Redactor {
    const { own } = credential;
    if (own === null) return redactorFor(token);
    let known = ownRedactors.get(own);
    if (known?.token !== token) {
      const parts = token === null ? [own.redact, runtime.redact] : [createRedactor([token]), own.redact, runtime.redact];
      known = { token, redact: chainRedactors(...parts) };
      ownRedactors.set(own, known);
    }
    return known.redact;
  }
  // A client's own login: the provider with that client's payload laid over the shared one, made once
  // per credential entry, so the token manager's fingerprint of it is computed once too.
  const ownProviders = new WeakMap<UserCredentialEntry, HttpProvider>();
  function tokenProvider(credential: CallCredential): HttpProvider {
    const { own } = credential;
    if (credential.tokenOf === null || own === null) return provider;
    let derived = ownProviders.get(own);
    if (!derived) {
      derived = { ...provider, dynamicAuthPayload: JSON.stringify({ ...sharedPayload(provider), ...userPayloadObject(own.secrets) }) };
      ownProviders.set(own, derived);
    }
    return derived;
  }
  // SPEC §14: worked out once per entry; a call's `_fields` is read (and checked) before anything is sent.
  const answers = deps.answers;
  const shaping: AnswerShaping | null = answers ? answerShaping(tool, provider, answers.maxResultTokens) : null;
  const takesFields = !tool.parameters.some((p) => p.name === FIELDS_ARGUMENT);
  const shape = async (result: CallToolResult, fields: readonly string[] | null, context: CallContext) =>
    shaping && answers ? shapeAnswer(result, shaping, fields, context.caller ?? OWNER_NAME, answers.kept) : result;

  const getToken = (credential: CallCredential) =>
    credential.tokenOf === null ? deps.tokens.getToken(provider) : deps.tokens.getToken(tokenProvider(credential), credential.tokenOf);

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

  // A grant's redactor chained with the provider's, once per token set.
  const grantRedactors = new WeakMap<Redactor, Redactor>();
  function grantRedactor(own: Redactor): Redactor {
    let redact = grantRedactors.get(own);
    if (!redact) grantRedactors.set(own, (redact = chainRedactors(own, runtime.redact)));
    return redact;
  }

  /**
   * An OAuth 2 authorization-code provider: the caller's own access token, renewed before it runs out and
   * once after a 401. No grant, or one that can no longer be renewed: the credential-required answer.
   */
  async function invokeWithGrant(args: Record<string, unknown>, fields: readonly string[] | null, context: CallContext): Promise<CallToolResult> {
    const caller = context.caller;
    if (caller === undefined || caller === OWNER_NAME || !deps.grants) {
      return errorResult(
        `Provider "${provider.code}" signs each client in with its own account (OAuth 2, oauth.grant "authorization_code"), and ${caller === undefined ? 'this call comes from no client identity (stdio or in-process)' : 'the owner token has no account of its own'}, so nothing was sent. Call it with a client's token (\`toolwire client add NAME\`).`,
      );
    }
    const grants = deps.grants;
    let redact = runtime.redact;
    try {
      let lease = await grants.lease(provider, caller, users.find(provider.id, caller)?.secrets.oauth);
      redact = grantRedactor(lease.redact);
      let { request, response } = await attempt(args, lease.accessToken, context);
      if (response.status === 401) {
        lease = await grants.renew(provider, caller, lease.accessToken);
        redact = grantRedactor(lease.redact);
        ({ request, response } = await attempt(args, lease.accessToken, context));
      }
      const done = redact;
      const label = () => done(requestLabel(request));
      const result = await shape(mapResponse(response, done, label), fields, context);
      return definition.outputSchema ? keepOutputPromise(result, label) : result;
    } catch (err) {
      if (err instanceof GrantNeededError) {
        const need = { providerId: provider.id, providerCode: provider.code, clientName: caller };
        return credentialRequiredResult(
          need,
          `Provider "${provider.code}" acts with each client's own account (OAuth 2), and client "${caller}" has no usable grant: ${err.reason}. Nothing was sent. Connect the account (sign in through toolwire's connect page), then call again.`,
        );
      }
      return errorResult(redact(`Tool "${tool.code}" failed: ${describeError(err)}`));
    }
  }

  const refused = (response: UpstreamResponse) =>
    deps.tokens.isInvalidation(response.status, response.body.toString('utf8'), provider.dynamicAuthInvalidationKeywords);

  return async function invoke(given, context): Promise<CallToolResult> {
    let args = given;
    let fields: readonly string[] | null = null;
    if (takesFields && given[FIELDS_ARGUMENT] !== undefined) {
      const read = readResponseFields(given[FIELDS_ARGUMENT]);
      if ('problem' in read)
        return errorResult(`Invalid arguments for tool "${tool.code}": "${FIELDS_ARGUMENT}" ${read.problem}. ${FIELDS_EXAMPLE} Nothing was sent.`);
      fields = read.paths;
      const { [FIELDS_ARGUMENT]: _, ...rest } = given;
      args = rest;
    }
    const problem = validate(args);
    if (problem) return errorResult(`Invalid arguments for tool "${tool.code}": ${problem}. Nothing was sent.`);
    if (provider.oauth?.grant === 'authorization_code') return invokeWithGrant(args, fields, context);
    const credential = callCredential(provider, context.caller, users, shared);
    if (credential === null) {
      const clientName = context.caller as string;
      const need = { providerId: provider.id, providerCode: provider.code, clientName };
      return credentialRequiredResult(need, missingCredentialMessage(provider.code, clientName, credentialExample(provider)));
    }
    let token: string | null = null;
    try {
      // Dynamic auth and the OAuth 2 client-credentials grant share the token manager (cache, single-flight,
      // renewal); a client with its own dynamic-auth payload has a token of its own.
      token = usesProviderToken(provider) ? await getToken(credential) : null;
      let { request, response } = await attempt(args, token ?? credential.apiKeyValue, context, credential.headers);
      let note: string | null = null;
      if (token !== null && refused(response)) {
        const refusal = deps.tokens.invalidate(provider.id, token, credential.tokenOf ?? undefined);
        if (refusal.retry) {
          token = await getToken(credential);
          ({ request, response } = await attempt(args, token, context, credential.headers));
          note = refusal.settle(token, !refused(response));
        } else {
          note = refusal.reason;
        }
      }
      const redact = redactorOf(credential, token);
      // Named only when a message needs it: most answers never do.
      const label = () => redact(requestLabel(request));
      const result = await shape(withNote(mapResponse(response, redact, label), note), fields, context);
      return definition.outputSchema ? keepOutputPromise(result, label) : result;
    } catch (err) {
      return errorResult(redactorOf(credential, token)(`Tool "${tool.code}" failed: ${describeError(err)}`));
    }
  };
}

/** What the tool's answers go through (SPEC §14): its budget (else its provider's, else the server's), projection, fence. */
function answerShaping(tool: Tool, provider: HttpProvider, maxResultTokens: number): AnswerShaping {
  return {
    toolCode: tool.code,
    providerCode: provider.code,
    fence: provider.fenceUpstreamText ? provider.name : null,
    budgetBytes: budgetBytes(tool.maxResultTokens, provider.maxResultTokens, maxResultTokens),
    outputSchema: tool.outputSchema,
    defaultFields: tool.responseFields,
  };
}

/** The provider's shared payload as an object (checked when saved; unreadable counts as empty). */
function sharedPayload(provider: HttpProvider): Record<string, unknown> {
  const read = readPayload(provider.dynamicAuthPayload);
  return read.ok ? read.value : {};
}

/** What a client of this provider gives as its own credential, for the message that asks for it (keys only). */
function credentialExample(provider: HttpProvider): string {
  if (!provider.isDynamicAuth) return '{"apiKeyValue": "…"}';
  const keys = Object.keys(sharedPayload(provider));
  const shape = keys.length > 0 ? keys.map((k) => `${JSON.stringify(k)}: "…"`).join(', ') : '"username": "…", "password": "…"';
  return `{"dynamicAuthPayload": {${shape}}}`;
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
