import { describe, expect, it } from 'vitest';
import { planRequest, requestUrl } from '../src/outbound/http/request.js';
import { compileTemplate, templateProblem } from '../src/core/template.js';
import type { Parameter, Tool } from '../src/core/model.js';

function tool(over: Partial<Tool>): Tool {
  return {
    id: 1,
    name: 't',
    code: 't',
    description: null,
    providerId: 1,
    providerCode: 'p',
    endpointPath: '/x',
    httpMethod: 'GET',
    bodyPayloadTemplate: null,
    enabled: true,
    isExportable: true,
    parameters: [],
    outputSchema: null,
    rateLimit: null,
    maxResultTokens: null,
    responseFields: null,
    createdAt: '',
    updatedAt: '',
    ...over,
  };
}
const param = (name: string, extra: Partial<Parameter> = {}): Parameter => ({
  name,
  type: 'STRING',
  description: null,
  required: false,
  defaultValue: null,
  location: null,
  enum: null,
  schema: null,
  apiName: null,
  mcpHeader: null,
  ...extra,
});

describe('request building', () => {
  it('percent-encodes path values so they cannot change the path, host or query', () => {
    const plan = planRequest(tool({ endpointPath: '/repos/{owner}/{repo}', parameters: [param('owner'), param('repo')] }), 'https://api.example.com/v3', {});
    const evil = plan.build({ owner: '../admin', repo: 'a/b?c=d#e' });
    expect(requestUrl(evil)).toBe('https://api.example.com/v3/repos/..%2Fadmin/a%2Fb%3Fc%3Dd%23e');
    expect(() => plan.build({ owner: '..', repo: 'x' })).toThrow(/"owner" cannot be ".."/);
    expect(() => plan.build({ owner: 'x', repo: '.' })).toThrow(/"repo" cannot be "."/);
  });

  it('encodes query values and repeats the key for arrays', () => {
    const plan = planRequest(tool({ parameters: [param('tag', { type: 'ARRAY' }), param('q')] }), 'http://h', {});
    const req = plan.build({ tag: ['a b', 'c&d'], q: 'x=y' });
    expect(requestUrl(req)).toBe('http://h/x?tag=a+b&tag=c%26d&q=x%3Dy');
  });

  it('applies defaults with the parameter type when an argument is absent', () => {
    const plan = planRequest(
      tool({
        httpMethod: 'POST',
        parameters: [param('limit', { type: 'INTEGER', defaultValue: '10' }), param('on', { type: 'BOOLEAN', defaultValue: 'true' })],
      }),
      'http://h',
      {},
    );
    expect(plan.build({}).body).toEqual({ limit: 10, on: true });
    expect(plan.build({ limit: 3 }).body).toEqual({ limit: 3, on: true });
  });

  it('places parameters by location rules: path, query for GET/DELETE, body otherwise, explicit locations win', () => {
    const params = [param('id'), param('q'), param('h', { location: 'HEADER' }), param('b', { location: 'QUERY' })];
    const post = planRequest(tool({ endpointPath: '/items/{id}', httpMethod: 'POST', parameters: params }), 'http://h', {}).build({
      id: 7,
      q: 'v',
      h: 'hv',
      b: 'bv',
    });
    expect(requestUrl(post)).toBe('http://h/items/7?b=bv');
    expect(post.body).toEqual({ q: 'v' });
    expect(post.headers.h).toBe('hv');
    const get = planRequest(tool({ endpointPath: '/items/{id}', httpMethod: 'GET', parameters: params }), 'http://h', {}).build({ id: 7, q: 'v' });
    expect(requestUrl(get)).toBe('http://h/items/7?q=v');
    expect(get.body).toBeUndefined();
  });
});

describe('body templates', () => {
  it('produces valid JSON for any string value and leaves no placeholder', () => {
    const template = compileTemplate('{"text": "Say: {{msg}}", "n": {{count}}, "raw": {{obj}}, "missing": "{{nothing}}"}');
    const nasty = 'quote " backslash \\ newline \n tab \t unicode \u2028';
    const out = template.render({ msg: nasty, count: 3, obj: { a: [1, 'x'] } });
    const parsed = JSON.parse(out);
    expect(parsed).toEqual({ text: `Say: ${nasty}`, n: 3, raw: { a: [1, 'x'] }, missing: '' });
    expect(out).not.toContain('{{');
  });

  it('writes an absent value outside a string as null', () => {
    expect(JSON.parse(compileTemplate('{"n": {{count}}}').render({}))).toEqual({ n: null });
  });

  it('reports a template that is not JSON', () => {
    expect(templateProblem('{"a": {{x}}')).toMatch(/JSON|Expected|position/i);
    expect(templateProblem('{"a": "{{x}}"}')).toBeNull();
  });
});
