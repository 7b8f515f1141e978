import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLI, runCli } from './helpers/cli.js';
import { tempDir, testEnv, textOf } from './helpers/app.js';
import { startUpstream, type Upstream } from './helpers/upstream.js';

/** The built CLI over stdio, driven by the SDK's own client, as Claude Desktop would. */
let upstream: Upstream;
const env = testEnv(tempDir());

beforeAll(async () => {
  upstream = await startUpstream();
  runCli(
    ['provider', 'add', '-'],
    env,
    JSON.stringify({
      name: 'Echo',
      code: 'echo',
      baseUrl: upstream.url,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-Key',
      apiKeyValue: 'stdio-secret-123',
    }),
  );
  runCli(
    ['tool', 'add', '-'],
    env,
    JSON.stringify({
      name: 'Search',
      code: 'echo-search',
      description: 'Search things',
      providerCode: 'echo',
      endpointPath: '/search',
      httpMethod: 'GET',
      parameters: [
        { name: 'q', type: 'STRING', required: true, description: 'query' },
        { name: 'mode', type: 'STRING', enum: ['a', 'b'], defaultValue: 'a' },
      ],
    }),
  );
});
afterAll(() => upstream.close());

describe('toolwire serve (stdio)', () => {
  it('lists and calls tools, and tells the client when another process changes the registry', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve'],
      env: { ...env, PATH: process.env.PATH ?? '' },
      stderr: 'pipe',
    });
    const stdoutNoise: string[] = [];
    transport.onerror = (err) => stdoutNoise.push(err.message);
    const client = new Client({ name: 'e2e', version: '1' });
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    await client.connect(transport);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo-search', 'toolwire_read_more']);
    const search = tools[0]!;
    expect(search.name).toBe('echo-search');
    expect(search.title).toBe('Search');
    expect(search.description).toBe('Search things');
    expect(search.inputSchema).toEqual({
      type: 'object',
      properties: {
        q: { type: 'string', description: 'query' },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        _fields: expect.objectContaining({ anyOf: expect.any(Array) }),
      },
      required: ['q'],
      additionalProperties: false,
    });
    expect(search.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true });

    const result = await client.callTool({ name: 'echo-search', arguments: { q: 'hello world' } });
    expect(result.isError).toBeFalsy();
    const seen = upstream.requests.at(-1)!;
    expect(seen.headers['x-key']).toBe('stdio-secret-123');
    expect(seen.query.get('q')).toBe('hello world');
    expect(seen.query.get('mode')).toBe('a');
    expect(textOf(result)).not.toContain('stdio-secret-123');
    const unknown = await client.callTool({ name: 'no-such-tool' }).catch((e: unknown) => e);
    expect((unknown as { code?: number }).code).toBe(-32602);
    const invalid = await client.callTool({ name: 'echo-search', arguments: { mode: 'c' } });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toMatch(/missing required argument "q".*"mode" must be one of \["a","b"\]/);

    // Another process adds a tool: the running server notices through the database.
    const add = spawn(process.execPath, [CLI, 'tool', 'add', '-'], { env: { ...env, PATH: process.env.PATH ?? '' } });
    add.stdin.end(JSON.stringify({ name: 'Other', code: 'echo-other', providerCode: 'echo', endpointPath: '/other' }));
    await new Promise((resolve) => add.on('close', resolve));
    await expect.poll(() => changed, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo-other', 'echo-search', 'toolwire_read_more']);

    await client.close();
    expect(stdoutNoise).toEqual([]);
  });
});
