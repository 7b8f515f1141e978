import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createMcpServer } from '../../src/inbound/mcp/server.js';

export const TEST_KEY = 'a'.repeat(64);

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'toolwire-test-'));
}

export function testEnv(dir = tempDir(), extra: Record<string, string> = {}): Record<string, string> {
  return { TOOLWIRE_DB: join(dir, 'toolwire.db'), TOOLWIRE_SECRET_KEY: TEST_KEY, TOOLWIRE_LOG_LEVEL: 'silent', ...extra };
}

/** A fresh app with its registry loaded, as a serving command has it (catalog writes then rebuild it at once). */
export async function makeApp(extra: Record<string, string> = {}): Promise<App> {
  const app = await createApp(loadConfig(testEnv(tempDir(), extra)));
  await app.registry.load();
  return app;
}

/** A real SDK Client connected to our MCP server in memory (the registry loaded first, as serving does). */
export async function connect(app: App): Promise<Client> {
  if (!app.registry.loaded) await app.registry.load();
  const server = createMcpServer(app.registry, { pageSize: app.config.pageSize });
  const client = new Client({ name: 'test', version: '1' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  return client;
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text?: string }> }).content;
  return content.map((c) => c.text ?? '').join('\n');
}
