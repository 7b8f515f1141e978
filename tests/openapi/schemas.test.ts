import { beforeAll, describe, expect, it } from 'vitest';
import { convertOpenApi, type OpenApiConversion } from '../../src/catalog/openapi/index.js';
import { inputSchemaOf, makeAjv } from './ajv.js';
import { doc, fixture, ok, param, tool } from './helpers.js';

let pets: OpenApiConversion;
beforeAll(async () => {
  pets = await convertOpenApi(fixture('petstore-3.0.json'));
});

function json(content: unknown): Record<string, unknown> {
  return { '200': { description: 'ok', content: { 'application/json': { schema: content } } } };
}

describe('schema cleanup', () => {
  it('rewrites OpenAPI-only keywords and drops the rest', () => {
    const create = tool(pets, 'createPet');
    expect(param(create, 'name').schema).toEqual({ type: 'string', examples: ['Rex'] }); // example, x-internal
    expect(param(create, 'age').schema).toEqual({ type: 'number', exclusiveMinimum: 0, default: 1.5 }); // boolean form
    expect(param(create, 'nickname').schema).toEqual({ type: ['string', 'null'] }); // nullable
    const text = JSON.stringify(pets.provider);
    for (const keyword of ['"nullable"', '"discriminator"', '"xml"', '"example"', '"x-internal"']) {
      expect(text).not.toContain(keyword);
    }
  });

  it('drops values ajv would refuse: bad regex, unknown format, empty enum, non-array required, bad types', async () => {
    const result = await convertOpenApi(
      doc({
        '/q': {
          get: {
            operationId: 'q',
            parameters: [
              { name: 'a', in: 'query', schema: { type: 'string', pattern: '[\\w-.]+', format: 'phone-number' } },
              { name: 'b', in: 'query', schema: { type: 'int', enum: [] } },
              { name: 'c', in: 'query', schema: { type: 'object', required: true, properties: { d: { type: 'file' } }, examples: { one: {} } } },
              { name: 'e', in: 'query', schema: { type: 'integer', minimum: '1', multipleOf: 0, maxLength: -1 } },
            ],
            responses: ok,
          },
        },
      }),
    );
    const q = tool(result, 'q');
    expect(param(q, 'a').schema).toEqual({ type: 'string' });
    expect(param(q, 'b')).toMatchObject({ type: 'STRING', schema: {} });
    expect(param(q, 'c').schema).toEqual({ type: 'object', properties: { d: { type: 'string' } } });
    expect(param(q, 'e').schema).toEqual({ type: 'integer' });
    expect(() => makeAjv().compile(inputSchemaOf(q))).not.toThrow();
  });

  it('keeps null acceptable for a nullable composed schema', async () => {
    const result = await convertOpenApi(
      doc({
        '/n': {
          post: {
            operationId: 'n',
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      ref: { nullable: true, description: 'maybe', allOf: [{ type: 'object', properties: { x: { type: 'string' } } }] },
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
    const schema = param(tool(result, 'n'), 'ref').schema!;
    expect(schema).toEqual({ description: 'maybe', anyOf: [{ allOf: [{ type: 'object', properties: { x: { type: 'string' } } }] }, { type: 'null' }] });
    const validate = makeAjv().compile(schema);
    expect(validate(null)).toBe(true);
    expect(validate({ x: 'y' })).toBe(true);
    expect(validate({ x: 1 })).toBe(false);
  });

  it('cuts circular references into an object stub instead of recursing forever', () => {
    const parent = param(tool(pets, 'createPet'), 'parent').schema!;
    const text = JSON.stringify(parent);
    expect(text).toContain('Recursive structure, not expanded.');
    expect(text.length).toBeLessThan(5000);
    const output = tool(pets, 'showPetById').outputSchema!;
    expect(JSON.stringify(output)).toContain('"children":{"type":"array","items":{"type":"object","description":"Recursive structure, not expanded."}}');
  });

  it('bounds the size of schemas that multiply without a cycle, cutting them evenly by depth', async () => {
    // Level i has two properties that both point to level i+1: 2^14 leaves when written out as a tree.
    const schemas: Record<string, unknown> = { L14: { type: 'string', description: 'leaf' } };
    for (let i = 13; i >= 0; i--) {
      const next = { $ref: `#/components/schemas/L${i + 1}` };
      schemas[`L${i}`] = { type: 'object', description: `level ${i} ${'x'.repeat(100)}`, properties: { left: next, right: next } };
    }
    const result = await convertOpenApi(
      doc(
        {
          '/big': {
            post: {
              operationId: 'big',
              parameters: [{ name: 'tree', in: 'query', schema: { $ref: '#/components/schemas/L0' } }],
              responses: json({ $ref: '#/components/schemas/L0' }),
            },
          },
        },
        { components: { schemas } },
      ),
    );
    const big = tool(result, 'big');
    const input = JSON.stringify(param(big, 'tree').schema);
    const output = JSON.stringify(big.outputSchema);
    expect(input.length).toBeLessThan(20_000);
    expect(output.length).toBeLessThan(60_000);
    expect(output).toContain('Nested too deeply, not expanded.');
    expect(output).toContain('"left":{"type":"object","description":"level 1'); // the top levels are all there
    expect(() => makeAjv().compile(big.outputSchema!)).not.toThrow();
  });

  it('compiles every input and output schema of the fixtures', async () => {
    const results = [
      pets,
      await convertOpenApi(fixture('notes-3.1.yaml'), { baseUrl: 'https://notes.example.com' }),
      await convertOpenApi(fixture('shop-swagger-2.0.json')),
    ];
    const ajv = makeAjv();
    for (const t of results.flatMap((r) => r.provider.tools)) {
      expect(() => ajv.compile(inputSchemaOf(t)), t.code).not.toThrow();
      if (t.outputSchema !== null) expect(() => ajv.compile(t.outputSchema!), t.code).not.toThrow();
    }
  });
});

describe('outputSchema', () => {
  it('comes from the first 2xx JSON response when it is an object (allOf of objects included)', () => {
    const output = tool(pets, 'showPetById').outputSchema!; // application/json; charset=utf-8
    expect(output.type).toBe('object');
    expect(JSON.stringify(output)).toContain('"vaccinated":{"type":"boolean"}');
    expect(tool(pets, 'createPet').outputSchema).not.toBeNull(); // 201
    expect(tool(pets, 'dup').outputSchema).toEqual({ type: 'object', additionalProperties: { type: 'integer' } });
  });

  it('is null for arrays, empty answers, non-JSON answers and answers without a schema', () => {
    expect(tool(pets, 'listPets').outputSchema).toBeNull(); // array
    expect(tool(pets, 'delete_pets_petId').outputSchema).toBeNull(); // 204
    expect(tool(pets, 'uploadPhoto').outputSchema).toBeNull(); // text/plain
    expect(tool(pets, 'tagPet').outputSchema).toBeNull(); // no content
  });

  it('describes without restricting: no required, closed objects, formats, enums or oneOf', async () => {
    const result = await convertOpenApi(
      doc({
        '/o': {
          get: {
            operationId: 'o',
            responses: json({
              type: 'object',
              required: ['id'],
              additionalProperties: false,
              properties: {
                id: { type: 'string', format: 'uuid', pattern: '^x' },
                state: { type: 'string', enum: ['open'] },
                owner: {
                  oneOf: [
                    { type: 'object', properties: { login: { type: 'string' } } },
                    { type: 'object', properties: { slug: { type: 'string' } } },
                  ],
                },
              },
            }),
          },
        },
      }),
    );
    const output = tool(result, 'o').outputSchema!;
    expect(output).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string' },
        state: { type: 'string' },
        owner: {
          anyOf: [
            { type: 'object', properties: { login: { type: 'string' } } },
            { type: 'object', properties: { slug: { type: 'string' } } },
          ],
        },
      },
    });
    const validate = makeAjv().compile(output);
    expect(validate({ id: 'not-a-uuid', state: 'merged', owner: { login: 'a', slug: 'b' }, extra: 1 })).toBe(true);
    expect(validate({ id: 5 })).toBe(false);
  });
});
