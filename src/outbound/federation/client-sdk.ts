import type * as ClientSdk from '@modelcontextprotocol/client';

let sdk: typeof ClientSdk | null = null;

/**
 * The SDK's MCP client (~50 ms and a few MB of module loading), loaded on the first upstream connection:
 * a server without upstream MCP servers — stdio with 10,000 HTTP tools, say — never loads it.
 */
export async function loadClientSdk(): Promise<typeof ClientSdk> {
  sdk ??= await import('@modelcontextprotocol/client');
  return sdk;
}

/** The client SDK, once `loadClientSdk` has run; null before (then nothing it throws can exist yet). */
export function loadedClientSdk(): typeof ClientSdk | null {
  return sdk;
}

/** The client SDK where only a connection can be running (it was loaded to make the connection). */
export function clientSdk(): typeof ClientSdk {
  if (sdk === null) throw new Error('The MCP client SDK is not loaded yet (call loadClientSdk first).');
  return sdk;
}

/** A JSON-RPC error the upstream answered with (the tool's own failure, not a connection's). */
export function isProtocolError(err: unknown): err is ClientSdk.ProtocolError {
  return sdk !== null && err instanceof sdk.ProtocolError;
}
