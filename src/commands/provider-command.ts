import { probeToken, usesProviderToken } from '../outbound/dynamic-auth/index.js';
import { createApp } from '../app.js';
import { ToolwireError } from '../core/errors.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { providerCommand } from './registry-commands.js';

/** `provider test CODE`: fetch a dynamic-auth (or OAuth 2 client-credentials) token now and say what happened, secrets masked. */
const providerTest: Command = async (ctx) => {
  const code = ctx.args[1];
  if (!code) throw new UsageError('Missing provider code.');
  const app = await createApp(ctx.config);
  try {
    const provider = await app.catalog.getProvider(code);
    if (provider.oauth?.grant === 'authorization_code') {
      ctx.stdout(
        `Provider "${code}" acts with each client's own OAuth 2 grant (oauth.grant "authorization_code"); its tokens come from each person's sign-in, so there is none to fetch here. Call one of its tools with a client's token: without a grant, the answer says how to connect.\n`,
      );
      return 0;
    }
    if (!usesProviderToken(provider)) {
      ctx.stdout(
        `Provider "${code}" uses static credentials (${provider.authenticationType}); there is no token to fetch. Use \`toolwire tool call\` to try one of its tools.\n`,
      );
      return 0;
    }
    const result = await probeToken(provider, {
      timeoutMs: ctx.config.timeoutMs,
      defaultTtlMs: ctx.config.tokenTtlSeconds * 1000,
      // The app's TOOLWIRE_BLOCK_PRIVATE policy, as for the server's own token fetches.
      dispatcher: app.outbound?.dispatcher,
    });
    if (!result.ok) throw new ToolwireError('AUTH_FETCH', `Token test failed at step "${result.step}": ${result.message}`);
    ctx.stdout(
      `Token obtained for provider "${code}": ${result.preview}\n` +
        `Lifetime: ${result.lifetimeSeconds} s (from ${result.lifetimeSource})\n` +
        `Injected as: ${result.injection}\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
};

export const providerCommandWithTest: Command = (ctx) => (ctx.args[0] === 'test' ? providerTest(ctx) : providerCommand(ctx));
