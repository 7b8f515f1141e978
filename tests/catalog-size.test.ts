import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOpenApiReport, importOpenApi } from '../src/catalog/io/openapi-import.js';
import { connect, makeApp, tempDir, testEnv } from './helpers/app.js';
import { runCliAsync } from './helpers/cli.js';
import { startServer, type RunningServer } from './helpers/http-server.js';

/**
 * SPEC §14, catalog size: the import report measures what the tools it adds cost an agent (tools/list
 * bytes / 4), offers meta mode over TOOLWIRE_AUTO_META_TOKENS, and `toolMode: "auto"` picks direct or
 * meta per provider from that measure, again after every change.
 */
const META_TOOLS = (code: string) => [`${code}__call_operation`, `${code}__describe_operation`, `${code}__search_operations`];

function provider(code: string, tools: number, toolMode?: string) {
  return {
    name: `Provider ${code}`,
    code,
    baseUrl: 'http://127.0.0.1:9',
    ...(toolMode ? { toolMode } : {}),
    tools: Array.from({ length: tools }, (_, i) => ({
      name: `Tool ${i} of ${code}`,
      code: `${code}-t${i}`,
      description: `Does thing number ${i} for ${code}; a description of a realistic length, so each tool costs a few dozen tokens.`,
      endpointPath: `/things/${i}`,
      httpMethod: 'GET',
      parameters: [{ name: 'query', type: 'STRING', required: true, description: 'What to look for' }],
    })),
  };
}

describe("GitHub's REST description with toolMode auto", () => {
  it('is measured over the threshold: meta applied, tools/list shows the three meta tools; imported direct, meta is offered', async () => {
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
    const text = readFileSync(file, 'utf8');
    const app = await makeApp();
    try {
      const report = await importOpenApi(app.catalog, text, { providerCode: 'github', toolMode: 'auto' });
      const size = report.catalogSize!;
      expect(size.tools).toBe(report.added.length);
      expect(size.addedTokens).toBe(size.tokens);
      expect(size.tokens).toBeGreaterThan(30_000);
      expect(size).toMatchObject({ provider: 'github', toolMode: 'auto', listedAs: 'meta', metaMode: 'applied' });
      expect(report.autoMetaTokens).toBe(30_000);
      const client = await connect(app);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([...META_TOOLS('github'), 'toolwire_read_more']);
      // The measure is what tools/list would cost listed one by one: direct mode lists exactly those bytes.
      await app.catalog.updateProvider('github', { toolMode: 'direct' });
      let bytes = 0;
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        // The provider's own tools: toolwire_read_more is one tool for every provider, not this one's.
        for (const tool of page.tools) if (tool.name !== 'toolwire_read_more') bytes += Buffer.byteLength(JSON.stringify(tool));
        cursor = page.nextCursor;
      } while (cursor);
      expect(Math.ceil(bytes / 4)).toBe(size.tokens);
      await client.close();

      const again = await importOpenApi(app.catalog, text, { providerCode: 'github', dryRun: true });
      expect(again.catalogSize).toMatchObject({
        toolMode: 'direct',
        listedAs: 'direct',
        metaMode: 'offered',
        toolsAdded: 0,
        addedTokens: 0,
        tokens: size.tokens,
      });
      expect(describeOpenApiReport(again)).toMatch(/github is over TOOLWIRE_AUTO_META_TOKENS \(30,000\): meta mode is offered.*"toolMode": "auto"/);
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe('toolMode auto on a small provider, and a provider that crosses the threshold', () => {
  const dir = tempDir();
  // A low threshold, so a few dozen tools cross it.
  const env = testEnv(dir, { TOOLWIRE_AUTO_META_TOKENS: '2000' });
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer([], env);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function httpClient(mode: 'legacy' | { pin: string }) {
    const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${server.token}` } } }));
    return client;
  }

  it('a 3-tool provider is listed directly; the CLI report gives its tokens', async () => {
    const file = join(dir, 'small.json');
    writeFileSync(file, JSON.stringify([provider('small', 3, 'auto')]));
    const out = await runCliAsync(['import', file, '--json'], env);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.catalogSize.autoMetaTokens).toBe(2000);
    expect(report.catalogSize.providers).toEqual([
      expect.objectContaining({ provider: 'small', toolsAdded: 3, tools: 3, toolMode: 'auto', listedAs: 'direct', metaMode: null }),
    ]);
    const tokens = report.catalogSize.providers[0].tokens;
    expect(tokens).toBeGreaterThan(100);
    expect(tokens).toBeLessThan(2000);
    expect(report.catalogSize.addedTokens).toBe(tokens);
    expect(out.stderr).toContain(`the tools added cost ~${tokens} tokens of tools/list`);
    const client = await httpClient('legacy');
    await expect
      .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 10_000 })
      .toEqual(['small-t0', 'small-t1', 'small-t2', 'toolwire_read_more']);
    await client.close();
  });

  it('an import that takes an auto provider over the threshold flips it to meta and tells both revisions (list_changed); below it again, direct', async () => {
    const file = join(dir, 'grow.json');
    writeFileSync(file, JSON.stringify([provider('grow', 2, 'auto')]));
    expect((await runCliAsync(['import', file], env)).code).toBe(0);
    const legacy = await httpClient('legacy');
    const modern = await httpClient({ pin: '2026-07-28' });
    const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).filter((n) => n.startsWith('grow'));
    await expect.poll(() => names(legacy), { timeout: 10_000 }).toEqual(['grow-t0', 'grow-t1']);
    let legacyChanges = 0;
    let modernChanges = 0;
    legacy.setNotificationHandler('notifications/tools/list_changed', () => void legacyChanges++);
    modern.setNotificationHandler('notifications/tools/list_changed', () => void modernChanges++);
    const subscription = await modern.listen({ toolsListChanged: true });
    try {
      writeFileSync(file, JSON.stringify([provider('grow', 60)]));
      const out = await runCliAsync(['import', file], env);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toMatch(/grow: 58 tool\(s\) added ~[\d,]+ tokens; all 60 ~[\d,]+ tokens, toolMode auto, listed as 3 meta tools/);
      expect(out.stderr).toContain('grow is over TOOLWIRE_AUTO_META_TOKENS (2,000): meta mode applied.');
      await expect.poll(() => legacyChanges, { timeout: 10_000 }).toBeGreaterThan(0);
      await expect.poll(() => modernChanges, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await names(legacy)).toEqual(META_TOOLS('grow'));
      expect(await names(modern)).toEqual(META_TOOLS('grow'));
      const found = await modern.callTool({ name: 'grow__search_operations', arguments: { query: 'number 42' } });
      expect((found.structuredContent as { operations: Array<{ code: string }> }).operations.map((o) => o.code)).toContain('grow-t42');

      // Disabling most of its tools takes it back under the threshold: listed directly again.
      const before = legacyChanges;
      const smaller = provider('grow', 60);
      writeFileSync(file, JSON.stringify([{ ...smaller, tools: smaller.tools.map((tool, i) => ({ ...tool, enabled: i < 2 })) }]));
      expect((await runCliAsync(['import', file], env)).code).toBe(0);
      await expect.poll(() => legacyChanges, { timeout: 10_000 }).toBeGreaterThan(before);
      await expect.poll(() => names(legacy), { timeout: 10_000 }).toEqual(['grow-t0', 'grow-t1']);
    } finally {
      await subscription.close();
      await legacy.close();
      await modern.close();
    }
  }, 120_000);
});
