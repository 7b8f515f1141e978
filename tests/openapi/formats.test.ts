import { describe, expect, it } from 'vitest';
import { convertOpenApi } from '../../src/catalog/openapi/index.js';
import { isToolwireError } from '../../src/core/errors.js';
import { doc, fixture, ok, param, tool } from './helpers.js';

describe('input formats', () => {
  it('reads OpenAPI 3.0 as JSON text', async () => {
    const result = await convertOpenApi(fixture('petstore-3.0.json'));
    expect(result.provider.name).toBe('Pet Store');
    expect(result.provider.code).toBe('pet-store');
    expect(result.provider.tools.map((t) => t.code)).toEqual([
      'listPets',
      'createPet',
      'showPetById',
      'replacePet',
      'tagPet',
      'delete_pets_petId',
      'listPhotos',
      'uploadPhoto',
      'dup',
      'dup_2',
    ]);
    const create = tool(result, 'createPet');
    expect(create).toMatchObject({
      name: 'Create a pet',
      endpointPath: '/pets',
      httpMethod: 'POST',
      bodyPayloadTemplate: null,
      enabled: true,
      isExportable: true,
    });
  });

  it('reads OpenAPI 3.1 as YAML text, with 2020-12 keywords made draft-07', async () => {
    const result = await convertOpenApi(fixture('notes-3.1.yaml'), { baseUrl: 'https://notes.example.com/v1/' });
    expect(result.provider.baseUrl).toBe('https://notes.example.com/v1');
    expect(result.provider.tools.map((t) => t.code)).toEqual(['list_notes', 'createNote', 'deleteNote']);
    const list = tool(result, 'list_notes');
    expect(param(list, 'q').schema).toEqual({ type: ['string', 'null'], examples: ['groceries'] });
    expect(param(list, 'page').schema).toEqual({ type: 'integer', minimum: 1, exclusiveMaximum: 1000 });
    const create = tool(result, 'createNote'); // application/vnd.notes+json counts as JSON
    expect(param(create, 'text')).toMatchObject({ required: true, location: 'BODY', type: 'STRING' });
    expect(param(create, 'pinned')).toMatchObject({ type: 'BOOLEAN', schema: { const: false } });
    expect(param(create, 'position').schema).toEqual({
      type: 'array',
      items: [{ type: 'number' }, { type: 'number' }],
      additionalItems: false,
    });
    expect(param(create, 'color')).toMatchObject({ enum: ['red', 'green'], schema: { type: ['string', 'null'] } });
    expect(JSON.stringify(result.provider)).not.toContain('$schema');
  });

  it('converts Swagger 2.0 (host, basePath, body and formData parameters)', async () => {
    const result = await convertOpenApi(fixture('shop-swagger-2.0.json'));
    expect(result.provider.baseUrl).toBe('https://shop.example.com/api');
    const list = tool(result, 'listOrders');
    expect(param(list, 'status')).toMatchObject({ location: 'QUERY', defaultValue: 'open', enum: ['open', 'closed'] });
    expect(param(list, 'ids')).toMatchObject({ type: 'ARRAY', schema: { type: 'array', items: { type: 'integer' } } });
    const create = tool(result, 'createOrder');
    expect(create.parameters.map((p) => [p.name, p.location, p.required])).toEqual([
      ['item', 'BODY', true],
      ['quantity', 'BODY', false],
      ['coupon', 'BODY', false],
    ]);
    expect(param(create, 'coupon').schema).toEqual({ type: ['string', 'null'] }); // x-nullable
    const upload = tool(result, 'uploadReceipt');
    expect(param(upload, 'body').schema).toMatchObject({
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    });
  });

  it('takes an already-parsed object and leaves it untouched', async () => {
    const input = JSON.parse(fixture('petstore-3.0.json')) as Record<string, unknown>;
    const before = JSON.stringify(input);
    const result = await convertOpenApi(input);
    expect(result.provider.tools).toHaveLength(10);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('takes a version written as a number and an unlisted patch version', async () => {
    const result = await convertOpenApi({ ...doc({ '/a': { get: { responses: ok } } }), openapi: '3.0.9', info: { title: 'T', version: 1 } });
    expect(result.provider.tools).toHaveLength(1);
  });

  it.each([
    ['empty text', '   '],
    ['broken JSON', '{"openapi": "3.0.0",'],
    ['broken YAML', 'openapi: [3.0\n  - x: :'],
    ['not OpenAPI', '{"name": "x"}'],
    ['OpenAPI 4', { openapi: '4.0.0', info: {}, paths: {} }],
    ['an array', [1, 2]],
  ])('refuses %s with INVALID_INPUT and a one-line message', async (_label, source) => {
    const err: unknown = await convertOpenApi(source as string | object).catch((e: unknown) => e);
    expect(isToolwireError(err) && err.code).toBe('INVALID_INPUT');
    expect((err as Error).message).not.toContain('\n');
  });
});
