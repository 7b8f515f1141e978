import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { forbiddenHeaderReason, isForbiddenArgumentHeader } from '../../src/core/forbidden-headers.js';
import { convertOpenApi } from '../../src/catalog/openapi/index.js';
import { connect, tempDir, testEnv, textOf } from '../helpers/app.js';
import { runCliAsync } from '../helpers/cli.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * Issue 10, Low: OpenAPI header parameters that steer routing, framing or trust (`Host`,
 * `Content-Length`, `Transfer-Encoding`, `Connection`, `Forwarded`, `X-Forwarded-*`, hop-by-hop and
 * method-override headers) never become tool arguments; they are reported as skipped and the rest of
 * the operation is imported. Before the fix each one was an argument the agent could set.
 */

/** Header parameters an attacker-written (or careless) document declares, in mixed case. */
const FORBIDDEN = [
  'Host',
  'content-length',
  'Transfer-Encoding',
  'CONNECTION',
  'Forwarded',
  'X-Forwarded-For',
  'x-forwarded-host',
  'X-Forwarded-Proto',
  'Upgrade',
  'TE',
  'Trailer',
  'Keep-Alive',
  'Proxy-Authorization',
  'Proxy-Connection',
  'Expect',
  'X-HTTP-Method-Override',
  'X-Real-IP',
];

function header(name: string, required = false) {
  return { name, in: 'header', required, schema: { type: 'string' } };
}

function document(server: string) {
  return {
    openapi: '3.0.3',
    info: { title: 'Headers API', version: '1' },
    servers: [{ url: server }],
    paths: {
      '/items/{id}': {
        // Path-level `host` and operation-level `Host`: one header, reported once.
        parameters: [header('host')],
        get: {
          operationId: 'getItem',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'host', in: 'query', schema: { type: 'string' } },
            header('X-Request-Id'),
            ...FORBIDDEN.map((name) => header(name, true)),
          ],
          responses: { '200': { description: 'ok' } },
        },
      },
    },
  };
}

let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());

describe('OpenAPI header parameters an argument may never set (issue 10, Low)', () => {
  it('are left out of the tool and reported as skipped, naming the header and why; the operation is still imported', async () => {
    const result = await convertOpenApi(document('https://api.test.example'));
    const tool = result.provider.tools.find((t) => t.code === 'getItem')!;
    expect(tool).toBeDefined();
    expect(tool.parameters.map((p) => `${p.location} ${p.name}`).sort()).toEqual(['HEADER X-Request-Id', 'PATH id', 'QUERY host']);

    const skipped = result.skipped.filter((s) => s.operation === 'GET /items/{id}');
    expect(skipped.map((s) => s.parameter)).toEqual(FORBIDDEN); // `host` once, case kept as written
    for (const s of skipped) {
      expect(s.reason).toContain(`header parameter "${s.parameter}" left out (the operation is imported without it): `);
      expect(s.reason).toContain('a tool argument may never set this header');
    }
    const reasonOf = (name: string) => skipped.find((s) => s.parameter === name)!.reason;
    expect(reasonOf('Host')).toContain("provider's base URL");
    expect(reasonOf('content-length')).toContain('smuggle');
    expect(reasonOf('X-Forwarded-For')).toContain('client address');
    expect(reasonOf('X-HTTP-Method-Override')).toContain('overrides the HTTP method');
  });

  it('are left out of Swagger 2.0 documents too', async () => {
    const result = await convertOpenApi({
      swagger: '2.0',
      info: { title: 't', version: '1' },
      host: 'api.test.example',
      paths: {
        '/a': {
          post: {
            operationId: 'a',
            parameters: [
              { name: 'Host', in: 'header', type: 'string' },
              { name: 'Transfer-Encoding', in: 'header', type: 'string' },
              { name: 'X-Trace', in: 'header', type: 'string' },
            ],
            responses: { '200': { description: 'ok' } },
          },
        },
      },
    });
    expect(result.provider.tools[0]!.parameters.map((p) => p.name)).toEqual(['X-Trace']);
    expect(result.skipped.map((s) => s.parameter)).toEqual(['Host', 'Transfer-Encoding']);
  });

  it('`toolwire import` reports them, and an agent can neither pass them nor reach another Host', async () => {
    const dir = tempDir();
    const env = testEnv(dir);
    const file = join(dir, 'headers.yaml');
    writeFileSync(file, stringify(document(upstream.url)));
    const out = await runCliAsync(['import', file, '--provider', 'hdr', '--json'], env);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as { added: string[]; skipped: Array<{ operation: string; parameter?: string; reason: string }> };
    expect(report.added).toEqual(['getItem']);
    expect(report.skipped).toContainEqual({
      operation: 'GET /items/{id}',
      parameter: 'Host',
      reason: expect.stringContaining('header parameter "Host" left out'),
    });
    expect(out.stderr).toContain('skipped GET /items/{id}: header parameter "Transfer-Encoding" left out');

    const app = await createApp(loadConfig(env));
    try {
      const client = await connect(app);
      const { tools } = await client.listTools();
      const schema = tools.find((t) => t.name === 'getItem')!.inputSchema;
      for (const name of FORBIDDEN) expect(Object.keys(schema.properties ?? {})).not.toContain(name);

      const before = upstream.requests.length;
      const attack = await client.callTool({ name: 'getItem', arguments: { id: '1', Host: 'internal.admin.example', 'X-Forwarded-For': '10.0.0.1' } });
      expect(attack.isError).toBe(true);
      expect(upstream.requests.length).toBe(before); // refused before anything was sent

      const fine = await client.callTool({ name: 'getItem', arguments: { id: '1', host: 'q', 'X-Request-Id': 'r-1' } });
      expect(fine.isError, textOf(fine)).toBeFalsy();
      const seen = upstream.requests.at(-1)!;
      expect(seen.headers.host).toBe(`127.0.0.1:${upstream.port}`);
      expect(seen.headers['x-forwarded-for']).toBeUndefined();
      expect(seen.headers['x-request-id']).toBe('r-1');
      expect(seen.query.get('host')).toBe('q');
      await client.close();
    } finally {
      await app.close();
    }
  });
});

describe('isForbiddenArgumentHeader (for tool validation)', () => {
  it('matches the routing, framing, hop-by-hop, forwarding and override headers in any case, and invalid names', () => {
    for (const name of [
      ...FORBIDDEN,
      'HOST',
      ' host ',
      'x-forwarded-port',
      'Proxy-Anything',
      'te',
      'x-original-url',
      'Via',
      'X Foo',
      'X-A\r\nHost: evil',
      '',
    ]) {
      expect(isForbiddenArgumentHeader(name), name).toBe(true);
    }
    for (const name of ['X-Request-Id', 'Cookie', 'If-None-Match', 'X-Api-Version', 'Hostname', 'X-Host', 'Tenant', 'Expected-Version', 'Teapot']) {
      expect(isForbiddenArgumentHeader(name), name).toBe(false);
    }
    expect(forbiddenHeaderReason('X A')).toBe('it is not a valid HTTP header name');
  });
});
