import { describe, expect, it } from 'vitest';
import { authorizationValue, credentialPlacement, type CredentialSettings } from '../src/core/credential-placement.js';

const settings = (fields: Partial<CredentialSettings>): CredentialSettings => ({
  authenticationType: 'NONE',
  apiKeyLocation: 'NONE',
  apiKeyName: null,
  isDynamicAuth: false,
  ...fields,
});

describe('credentialPlacement', () => {
  it.each([
    [{}, { in: 'none' }],
    [{ isDynamicAuth: true }, { in: 'authorization', scheme: 'Bearer' }],
    [{ authenticationType: 'BEARER_TOKEN' }, { in: 'authorization', scheme: 'Bearer' }],
    [
      { authenticationType: 'BASIC_AUTH', isDynamicAuth: true },
      { in: 'authorization', scheme: 'Basic' },
    ],
    [{ authenticationType: 'API_KEY' }, { in: 'header', name: 'X-API-Key', named: false }],
    [
      { authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: 'X-Session' },
      { in: 'header', name: 'X-Session', named: true },
    ],
    [
      { authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'key' },
      { in: 'query', name: 'key', named: true },
    ],
    [
      { authenticationType: 'API_KEY', apiKeyLocation: 'IN_BODY', apiKeyName: 'api_key' },
      { in: 'body', name: 'api_key', named: true },
    ],
    [
      { authenticationType: 'API_KEY', apiKeyLocation: 'IN_BODY', apiKeyName: '' },
      { in: 'body', name: 'X-API-Key', named: false },
    ],
  ] as const)('%j → %j', (fields, expected) => {
    expect(credentialPlacement(settings(fields))).toEqual(expected);
  });
});

describe('authorizationValue', () => {
  it('adds Bearer unless the credential already has it', () => {
    expect(authorizationValue('Bearer', 'abc')).toBe('Bearer abc');
    expect(authorizationValue('Bearer', 'bearer abc')).toBe('bearer abc');
  });

  it('encodes user:password for Basic and takes anything else as already encoded', () => {
    expect(authorizationValue('Basic', 'user:pa ss')).toBe(`Basic ${Buffer.from('user:pa ss').toString('base64')}`);
    expect(authorizationValue('Basic', 'Basic dXNlcjpwdw==')).toBe('Basic dXNlcjpwdw==');
  });
});
