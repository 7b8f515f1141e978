import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startFederation, type Federation } from '../../src/outbound/federation/index.js';
import { createLog } from '../../src/core/log.js';
import { connect, tempDir, testEnv } from '../helpers/app.js';

export const STDIO_FIXTURE = fileURLToPath(new URL('../fixtures/federation-stdio-server.mjs', import.meta.url));

/** Short retry and health-check timings so outages are noticed and healed within a test. */
export const FAST = { initialRetryDelayMs: 50, maxRetryDelayMs: 400, healthIntervalMs: 150, connectTimeoutMs: 5_000, callTimeoutMs: 10_000 };

export interface FederatedApp {
  app: App;
  federation: Federation;
  /** Every log line, at debug level. */
  logs: string[];
}

/** `env`: more variables for the app's configuration (TOOLWIRE_MAX_RESPONSE_BYTES…). */
export async function federatedApp(env: Record<string, string> = {}): Promise<FederatedApp> {
  const logs: string[] = [];
  const app = await createApp(
    loadConfig(testEnv(tempDir(), env)),
    createLog('debug', (line) => logs.push(line)),
  );
  const federation = await startFederation(app, FAST);
  return { app, federation, logs };
}

/** An SDK client connected to our MCP server, counting list_changed notifications. */
export async function listeningClient(app: App): Promise<{ client: Client; changes: () => number; names: () => Promise<string[]> }> {
  const client = await connect(app);
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  return {
    client,
    changes: () => changes,
    names: async () => (await client.listTools()).tools.map((t) => t.name),
  };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const POLL = { timeout: 15_000, interval: 50 };
