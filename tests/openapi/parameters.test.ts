import { beforeAll, describe, expect, it } from 'vitest';
import { convertOpenApi, type OpenApiConversion } from '../../src/catalog/openapi/index.js';
import { doc, fixture, ok, param, tool } from './helpers.js';

let pets: OpenApiConversion;
beforeAll(async () => {
  pets = await convertOpenApi(fixture('petstore-3.0.json'));
});

describe('parameters', () => {
  it('keep their real location, type, default and enum', () => {
    const list = tool(pets, 'listPets');
    expect(param(list, 'limit')).toEqual({
      name: 'limit',
      type: 'INTEGER',
      description: 'How many pets to return',
      required: false,
      defaultValue: '20',
      location: 'QUERY',
      enum: null,
      schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 20, description: 'How many pets to return' },
    });
    expect(param(list, 'status')).toMatchObject({
      location: 'QUERY',
      required: true,
      type: 'STRING',
      defaultValue: 'available',
      enum: ['available', 'pending', 'sold'],
    });
    expect(param(list, 'tags')).toMatchObject({ location: 'QUERY', type: 'ARRAY', schema: { type: 'array', items: { type: 'string' } } });
    expect(param(tool(pets, 'showPetById'), 'petId')).toMatchObject({ location: 'PATH', required: true, type: 'INTEGER' });
  });

  it('merge path-level and operation-level parameters, the operation winning', () => {
    const list = tool(pets, 'listPets');
    expect(param(list, 'X-Trace')).toMatchObject({
      location: 'HEADER',
      required: true,
      description: 'operation-level trace header',
      schema: { format: 'uuid' },
    });
    expect(param(list, 'X-Region')).toMatchObject({ location: 'HEADER', description: 'path-level region' });
    expect(param(tool(pets, 'createPet'), 'X-Trace')).toMatchObject({ required: false, description: 'path-level trace header' });
    expect(list.parameters.filter((p) => p.name === 'X-Trace')).toHaveLength(1);
  });

  it('turn cookie parameters into one Cookie header, required when any cookie is', () => {
    const cookie = param(tool(pets, 'listPets'), 'Cookie');
    expect(cookie).toMatchObject({ location: 'HEADER', type: 'STRING', required: true });
    expect(cookie.description).toContain('session (session id), lang');
    expect(tool(pets, 'listPets').parameters.some((p) => p.name === 'session' || p.name === 'lang')).toBe(false);
  });

  it('drop Accept/Content-Type/Authorization headers and a parameter duplicating the API key', () => {
    const names = tool(pets, 'listPets').parameters.map((p) => p.name);
    expect(names).not.toContain('Accept');
    expect(names).not.toContain('X-API-Key');
  });

  it('add path placeholders the document forgot to declare', () => {
    expect(param(tool(pets, 'dup'), 'storeId')).toMatchObject({ location: 'PATH', required: true, type: 'STRING' });
    expect(pets.warnings.some((w) => w.includes('path placeholders'))).toBe(true);
  });
});

describe('request bodies', () => {
  it('split a JSON object body into one BODY parameter per property, nested schemas kept whole', () => {
    const create = tool(pets, 'createPet');
    expect(create.parameters.filter((p) => p.location === 'BODY').map((p) => [p.name, p.type, p.required])).toEqual([
      ['name', 'STRING', true],
      ['kind', 'STRING', false],
      ['age', 'NUMBER', false],
      ['vaccinated', 'BOOLEAN', false],
      ['nickname', 'STRING', false],
      ['tags', 'ARRAY', false],
      ['owner', 'OBJECT', false],
      ['parent', 'OBJECT', false],
    ]);
    expect(param(create, 'tags')).toMatchObject({
      defaultValue: '[]',
      schema: {
        type: 'array',
        default: [],
        items: { type: 'object', required: ['name'], properties: { id: { type: 'integer' }, name: { type: 'string', minLength: 1 } } },
      },
    });
    expect(param(create, 'owner').schema).toEqual({
      type: ['object', 'null'],
      properties: {
        name: { type: 'string' },
        email: { type: 'string', format: 'email' },
        address: { type: 'object', properties: { street: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } } },
      },
    });
    expect(param(create, 'vaccinated').defaultValue).toBe('false');
    expect(param(create, 'age').defaultValue).toBe('1.5');
  });

  it('leave readOnly properties out of the request', () => {
    expect(tool(pets, 'replacePet').parameters.map((p) => p.name)).not.toContain('createdAt');
  });

  it('give an array body one parameter named body holding the whole schema', () => {
    const tag = tool(pets, 'tagPet');
    expect(param(tag, 'body')).toMatchObject({
      location: 'BODY',
      type: 'ARRAY',
      required: true,
      schema: { type: 'array', items: { type: 'object', required: ['name'] } },
    });
  });

  it('give a non-JSON body one parameter named body, with a warning', () => {
    expect(param(tool(pets, 'uploadPhoto'), 'body')).toMatchObject({
      location: 'BODY',
      type: 'OBJECT',
      schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
    });
    expect(pets.warnings.some((w) => w.includes('multipart/form-data ×1'))).toBe(true);
  });

  it('give an object body without properties, or alternatives, one body parameter', async () => {
    const result = await convertOpenApi(
      doc({
        '/free': {
          post: {
            operationId: 'free',
            requestBody: { content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } },
            responses: ok,
          },
        },
        '/alt': {
          post: {
            operationId: 'alt',
            requestBody: { content: { 'application/json': { schema: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } } },
            responses: ok,
          },
        },
        '/merged': {
          post: {
            operationId: 'merged',
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { required: ['a'] }, { properties: { b: { type: 'integer' } } }],
                  },
                },
              },
            },
            responses: ok,
          },
        },
      }),
    );
    expect(tool(result, 'free').parameters.map((p) => p.name)).toEqual(['body']);
    expect(param(tool(result, 'alt'), 'body').schema).toMatchObject({ oneOf: [{ type: 'string' }, { type: 'integer' }] });
    expect(tool(result, 'merged').parameters.map((p) => [p.name, p.required])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });
});

describe('name clashes between locations', () => {
  it('rename the later parameter (PATH, QUERY, HEADER, BODY order) with its location as prefix', () => {
    const replace = tool(pets, 'replacePet');
    expect(replace.parameters.map((p) => [p.name, p.location])).toEqual([
      ['petId', 'PATH'],
      ['name', 'QUERY'],
      ['body_petId', 'BODY'],
      ['body_name', 'BODY'],
      ['body', 'BODY'],
    ]);
    expect(param(replace, 'body_petId').required).toBe(true);
    expect(pets.warnings.find((w) => w.includes('renamed'))).toContain('replacePet: BODY "petId" → "body_petId"');
  });

  it('rename a header clashing with a query parameter, and number a second clash', async () => {
    const result = await convertOpenApi(
      doc({
        '/x/{id}': {
          post: {
            operationId: 'x',
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'id', in: 'header', schema: { type: 'string' } },
              { name: 'header_id', in: 'query', schema: { type: 'string' } },
            ],
            requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' } } } } } },
            responses: ok,
          },
        },
      }),
    );
    expect(tool(result, 'x').parameters.map((p) => [p.name, p.location])).toEqual([
      ['id', 'PATH'],
      ['header_id', 'QUERY'],
      ['header_id_2', 'HEADER'],
      ['body_id', 'BODY'],
    ]);
  });
});
