import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { UpstreamConfig } from './upstream-config.js';

/** A fresh SDK client transport for one connection attempt. */
export function createUpstreamTransport(config: UpstreamConfig, onStderr: (line: string) => void): Transport {
  if (config.protocol === 'stdio') {
    // The SDK adds only a minimal safe environment (PATH, HOME, …) to what we give: toolwire's own
    // environment (its master key, its token) never reaches the child.
    const transport = new StdioClientTransport({ command: config.command ?? '', args: [...config.args], env: { ...config.env }, stderr: 'pipe' });
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
  const url = new URL(config.url ?? '');
  const requestInit: RequestInit = { headers: { ...config.headers } };
  if (config.protocol === 'sse') return new SSEClientTransport(url, { requestInit });
  return new StreamableHTTPClientTransport(url, { requestInit, reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 5000, reconnectionDelayGrowFactor: 2, maxRetries: 2 } });
}

/** The pid of a stdio upstream's process (diagnostics and tests), else null. */
export function transportPid(transport: Transport | null): number | null {
  return transport instanceof StdioClientTransport ? transport.pid : null;
}
