import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin, type AdminHarness } from '../admin/harness.js';
import { connect, textOf } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// Issue 10, Low (with the OpenAPI import's skipped headers): a tool written by hand may not take Host,
// Content-Length, X-Forwarded-For & co as a header argument either; one stored before the check never
// sends them.

let admin: AdminHarness;
let upstream: Upstream;
afterEach(async () => {
  await admin?.close();
  await upstream?.close();
});

describe('header arguments that steer routing, framing or trust', () => {
  it('are refused when a tool is created or updated, naming the parameter and the fix; nothing is written', async () => {
    admin = await startAdmin();
    upstream = await startUpstream();
    expect((await admin.call('POST', '/providers', { name: 'P', code: 'p', baseUrl: upstream.url })).status).toBe(201);
    for (const parameter of [
      { name: 'Host', location: 'HEADER' },
      { name: 'fwd', apiName: 'X-Forwarded-For', location: 'HEADER' },
      { name: 'transfer-encoding', location: 'header' },
    ]) {
      const res = await admin.call('POST', '/tools', {
        name: 'T',
        code: 't',
        providerCode: 'p',
        endpointPath: '/x',
        httpMethod: 'GET',
        parameters: [parameter],
      });
      expect(res.status, JSON.stringify(parameter)).toBe(400);
      expect(res.text).toContain('parameters[0].name');
      expect(res.text).toContain('customHeaders');
    }
    expect(await admin.app.catalog.listTools()).toEqual([]);
    // The same name as a query parameter is an ordinary argument.
    expect(
      (
        await admin.call('POST', '/tools', {
          name: 'T',
          code: 't',
          providerCode: 'p',
          endpointPath: '/x',
          httpMethod: 'GET',
          parameters: [{ name: 'host', location: 'QUERY' }],
        })
      ).status,
    ).toBe(201);
    expect(
      (await admin.call('PUT', `/tools/${(await admin.app.catalog.getTool('t')).id}`, { parameters: [{ name: 'Host', location: 'HEADER' }] })).status,
    ).toBe(400);
  });

  it('a tool stored before the check never sends them', async () => {
    admin = await startAdmin();
    upstream = await startUpstream();
    const provider = await admin.app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: upstream.url });
    // As an older database holds it: written straight to the store, past today's validation.
    await admin.app.store.tools.insert({
      providerId: provider.id,
      code: 'old',
      name: 'Old',
      description: null,
      endpointPath: '/x',
      httpMethod: 'GET',
      bodyPayloadTemplate: null,
      enabled: true,
      isExportable: true,
      outputSchema: null,
      rateLimit: null,
      maxResultTokens: null,
      responseFields: null,
      parameters: [
        {
          name: 'Host',
          type: 'STRING',
          description: null,
          required: false,
          defaultValue: null,
          location: 'HEADER',
          enum: null,
          schema: null,
          apiName: null,
          mcpHeader: null,
        },
        {
          name: 'X-Trace',
          type: 'STRING',
          description: null,
          required: false,
          defaultValue: null,
          location: 'HEADER',
          enum: null,
          schema: null,
          apiName: null,
          mcpHeader: null,
        },
      ],
    });
    await admin.app.registry.refresh(true);
    const client = await connect(admin.app);
    const result = await client.callTool({ name: 'old', arguments: { Host: 'internal.example', 'X-Trace': 'abc' } });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(upstream.requests[0]!.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(upstream.requests[0]!.headers['x-trace']).toBe('abc');
  });
});
