import type { FetchLike, SSEClientTransport, StreamableHTTPClientTransport, Transport } from '@modelcontextprotocol/client';
import type { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { UpstreamConfig } from './upstream-config.js';
import { loadClientSdk } from './client-sdk.js';

interface TransportClasses {
  Stdio: typeof StdioClientTransport;
  Sse: typeof SSEClientTransport;
  StreamableHttp: typeof StreamableHTTPClientTransport;
}

let classes: TransportClasses | null = null;

/**
 * Loads the SDK's client and its transports (client-sdk.ts) on the first connection, so a server
 * without upstream MCP servers never pays for them at start.
 */
export async function loadTransports(): Promise<void> {
  if (classes) return;
  const [stdio, client] = await Promise.all([import('@modelcontextprotocol/client/stdio'), loadClientSdk()]);
  classes = { Stdio: stdio.StdioClientTransport, Sse: client.SSEClientTransport, StreamableHttp: client.StreamableHTTPClientTransport };
}

function loaded(): TransportClasses {
  if (!classes) throw new Error('The MCP client transports are not loaded yet (call loadTransports first).');
  return classes;
}

let upstreamFetch: FetchLike | null = null;

/**
 * The fetch every HTTP upstream connection starts from: the guarded one of TOOLWIRE_BLOCK_PRIVATE
 * (SPEC §15), or null for the global fetch. Set by `createApp` (one app per process outside tests);
 * returns the function that puts back what was there, for `App.close()`.
 */
export function setUpstreamFetch(fetch: FetchLike | null): () => void {
  const previous = upstreamFetch;
  upstreamFetch = fetch;
  return () => {
    if (upstreamFetch === fetch) upstreamFetch = previous;
  };
}

/** What the connection lays over an HTTP transport's fetch: the response cap (see response-cap.ts). */
export interface TransportHooks {
  wrapFetch?: (base: FetchLike) => FetchLike;
}

/** A fresh SDK client transport for one connection attempt (after `loadTransports`). */
export function createUpstreamTransport(config: UpstreamConfig, onStderr: (line: string) => void, hooks: TransportHooks = {}): Transport {
  const { Stdio, Sse, StreamableHttp } = loaded();
  const target = config.transport;
  if (target.protocol === 'stdio') {
    // The SDK adds only a minimal safe environment (PATH, HOME, …) to what we give: toolwire's own
    // environment (its master key, its token) never reaches the child. The version probe's short-lived
    // sibling process (versionNegotiation 'auto') is spawned from these same parameters.
    const transport = new Stdio({ command: target.command, args: [...target.args], env: { ...target.env }, stderr: 'pipe' });
    let pending = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onStderr(line);
      if (pending.length > 4096) {
        onStderr(pending);
        pending = '';
      }
    });
    return transport;
  }
  const url = new URL(target.url);
  const requestInit: RequestInit = { headers: { ...config.headers } };
  const base = upstreamFetch ?? globalThis.fetch;
  const fetch = hooks.wrapFetch ? hooks.wrapFetch(base) : base;
  if (target.protocol === 'sse') return new Sse(url, { requestInit, fetch });
  return new StreamableHttp(url, {
    requestInit,
    fetch,
    reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 5000, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
  });
}

/** The pid of a stdio upstream's process (diagnostics and tests), else null. */
export function transportPid(transport: Transport | null): number | null {
  return classes && transport instanceof classes.Stdio ? transport.pid : null;
}
