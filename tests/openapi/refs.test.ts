import { describe, expect, it } from 'vitest';
import { convertOpenApi } from '../../src/catalog/openapi/index.js';
import { isToolwireError } from '../../src/core/errors.js';
import { doc, fixture, ok, param, tool } from './helpers.js';
import { inputSchemaOf, makeAjv } from './ajv.js';

async function refusal(source: string | object): Promise<string> {
  const err: unknown = await convertOpenApi(source).catch((e: unknown) => e);
  expect(isToolwireError(err) && err.code).toBe('INVALID_INPUT');
  return (err as Error).message;
}

describe('$refs', () => {
  it('refuses a $ref to another file with a clear one-line message', async () => {
    const message = await refusal(fixture('split-main.yaml'));
    expect(message).toMatch(
      /^External \$ref "schemas\/thing\.yaml#\/Thing" at \/paths\/\/things\/get\/responses\/200\/content\/application\/json\/schema is not supported: /,
    );
    expect(message).toContain('bundle it first');
    expect(message).not.toContain('\n');
  });

  it('refuses a $ref to a URL (in Swagger 2.0 too), without fetching it', async () => {
    const url = 'https://schemas.example.invalid/pet.json';
    expect(
      await refusal(doc({ '/a': { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: url } } } } } } } })),
    ).toContain(`External $ref "${url}"`);
    expect(
      await refusal({
        swagger: '2.0',
        info: { title: 't', version: '1' },
        host: 'h.example',
        paths: { '/a': { get: { parameters: [{ $ref: `${url}#/p` }], responses: ok } } },
      }),
    ).toContain('External $ref');
  });

  it('reads a local $ref to nothing as an empty schema, with a warning', async () => {
    const result = await convertOpenApi(
      doc({
        '/a': { get: { operationId: 'a', parameters: [{ name: 'q', in: 'query', schema: { $ref: '#/components/schemas/Missing' } }], responses: ok } },
      }),
    );
    expect(param(tool(result, 'a'), 'q')).toMatchObject({ type: 'STRING', schema: {} });
    expect(result.warnings[0]).toContain('#/components/schemas/Missing');
  });

  it('handles self- and mutually-recursive schemas in parameters, bodies and results', async () => {
    const components = {
      schemas: {
        Node: {
          type: 'object',
          properties: { value: { type: 'string' }, next: { $ref: '#/components/schemas/Node' }, tree: { $ref: '#/components/schemas/Tree' } },
        },
        Tree: { type: 'object', nullable: true, properties: { nodes: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } },
      },
    };
    const result = await convertOpenApi(
      doc(
        {
          '/n': {
            post: {
              operationId: 'n',
              parameters: [{ name: 'filter', in: 'query', content: { 'application/json': { schema: { $ref: '#/components/schemas/Tree' } } } }],
              requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } },
              responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } },
            },
          },
        },
        { components },
      ),
    );
    const n = tool(result, 'n');
    expect(n.parameters.map((p) => [p.name, p.location, p.type])).toEqual([
      ['filter', 'QUERY', 'OBJECT'],
      ['value', 'BODY', 'STRING'],
      ['next', 'BODY', 'OBJECT'],
      ['tree', 'BODY', 'OBJECT'],
    ]);
    expect(param(n, 'next').schema).toMatchObject({
      type: 'object',
      properties: { next: { type: 'object', description: 'Recursive structure, not expanded.' } },
    });
    expect(param(n, 'filter').schema).toMatchObject({ type: ['object', 'null'] });
    const ajv = makeAjv();
    expect(() => ajv.compile(inputSchemaOf(n))).not.toThrow();
    expect(() => ajv.compile(n.outputSchema!)).not.toThrow();
  });
});
