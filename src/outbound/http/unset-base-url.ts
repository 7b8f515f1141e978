import { errorResult } from '../../core/tool-result.js';
import { isUnsetBaseUrl, unsetBaseUrlPrefix } from '../../core/unset-base-url.js';
import type { HttpProvider } from '../../core/model.js';
import type { HttpToolFactory, ProviderRuntime, ToolEntry } from '../../registry/types.js';

/**
 * The tools of a provider whose base URL is still the stand-in of `core/unset-base-url.ts` (an OpenAPI
 * document with no absolute server, SPEC §14): listed as usual, but a call answers an isError that says
 * how to set it, and nothing is built or sent. Wraps the HTTP tool factory, so every path that runs an
 * entry (tools/call, meta mode's call_operation, the admin validate route) meets it; other providers'
 * entries are the factory's own, untouched.
 */
export function guardUnsetBaseUrl(factory: HttpToolFactory): HttpToolFactory {
  // Whether a provider's base URL is the stand-in, worked out once per runtime (a URL parse per tool cost ~25 ms of a 10,000-tool start).
  const unset = new WeakMap<ProviderRuntime, boolean>();
  const isUnset = (runtime: ProviderRuntime) => {
    let known = unset.get(runtime);
    if (known === undefined) unset.set(runtime, (known = isUnsetBaseUrl(runtime.provider.baseUrl)));
    return known;
  };
  return {
    ...(factory.companions ? { companions: factory.companions } : {}),
    runtime: (provider) => factory.runtime(provider),
    entry(tool, runtime, definition, validate) {
      if (!isUnset(runtime)) return factory.entry(tool, runtime, definition, validate);
      const message = unsetBaseUrlMessage(runtime.provider);
      const guarded: ToolEntry = { definition, providerCode: runtime.provider.code, invoke: async () => errorResult(message) };
      return guarded;
    },
  };
}

export function unsetBaseUrlMessage(provider: HttpProvider): string {
  const prefix = unsetBaseUrlPrefix(provider.baseUrl);
  const kept = prefix ? ` (the document's path prefix ${prefix} is kept: https://api.example.com becomes https://api.example.com${prefix})` : '';
  return `Provider "${provider.code}" has no base URL yet: its OpenAPI document names no absolute server, so nothing was sent. An admin sets it with \`toolwire provider update ${provider.code} --base-url https://api.example.com\` (or baseUrl in PUT /admin/providers/${provider.id})${kept}; then call again.`;
}
