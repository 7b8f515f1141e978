import { describe, expect, it } from 'vitest';
import { ToolwireError } from '../../src/core/errors.js';
import { parseDynamicAuthPayload, parseDynamicAuthPayloadObject, validateDynamicAuthPayload } from '../../src/outbound/dynamic-auth/index.js';

describe('dynamicAuthPayload parsing', () => {
  it('reads a JSON object and stringifies non-string values', () => {
    const raw = '{"user":"alice","pin":1234,"remember":true,"none":null,"scope":["a","b"],"ctx":{"k":1}}';
    expect(parseDynamicAuthPayload(raw)).toEqual({
      user: 'alice',
      pin: '1234',
      remember: 'true',
      none: '',
      scope: '["a","b"]',
      ctx: '{"k":1}',
    });
    expect(parseDynamicAuthPayloadObject(raw)).toEqual(JSON.parse(raw));
  });

  it('reads form-encoded pairs, decoding them', () => {
    expect(parseDynamicAuthPayload('grant_type=password&username=a%40b.c&password=x+y&empty=')).toEqual({
      grant_type: 'password',
      username: 'a@b.c',
      password: 'x y',
      empty: '',
    });
    expect(parseDynamicAuthPayload('a=1&&b=2&')).toEqual({ a: '1', b: '2' });
  });

  it('treats a blank payload as no fields', () => {
    expect(parseDynamicAuthPayload(null)).toEqual({});
    expect(parseDynamicAuthPayload('   ')).toEqual({});
  });

  it.each([
    ['{"password": "canary-pl-1"', 'dynamicAuthPayload is not valid JSON'],
    ['["canary-pl-2"]', 'dynamicAuthPayload is JSON but not an object'],
    ['"canary-pl-3"', 'dynamicAuthPayload is JSON but not an object'],
    ['canary-pl-4', 'dynamicAuthPayload is neither JSON nor form-encoded pairs'],
    ['user=a&canary-pl-5', 'dynamicAuthPayload is neither JSON nor form-encoded pairs'],
    ['=canary-pl-6', 'dynamicAuthPayload is neither JSON nor form-encoded pairs'],
  ])('refuses %j with INVALID_INPUT naming the field, not the value', (raw, expected) => {
    let error: unknown;
    try {
      parseDynamicAuthPayload(raw);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ToolwireError);
    const e = error as ToolwireError;
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain(expected);
    expect(e.message).toContain('expected a JSON object as a string');
    expect(e.issues).toEqual([{ field: 'dynamicAuthPayload', message: e.message }]);
    expect(e.message).not.toContain('canary');
    expect(validateDynamicAuthPayload(raw)).toBe(e.message);
  });

  it('validateDynamicAuthPayload accepts what parsing accepts', () => {
    expect(validateDynamicAuthPayload('{"a":"b"}')).toBeNull();
    expect(validateDynamicAuthPayload('a=b&c=d')).toBeNull();
    expect(validateDynamicAuthPayload(null)).toBeNull();
    expect(validateDynamicAuthPayload('')).toBeNull();
  });
});
