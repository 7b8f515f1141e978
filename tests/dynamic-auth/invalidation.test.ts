import { describe, expect, it } from 'vitest';
import { isInvalidation } from '../../src/outbound/dynamic-auth/index.js';

describe('isInvalidation', () => {
  const KEYWORDS = 'ExpiredToken, AuthenticationRequired ,,';

  it.each([
    [401, '', null, true],
    [401, 'anything', KEYWORDS, true],
    [500, '{"error":"expiredtoken"}', KEYWORDS, true],
    [400, '{"error":"AUTHENTICATIONREQUIRED"}', KEYWORDS, true],
    [403, 'Your ExpiredToken is no good', KEYWORDS, true],
    [500, '{"error":"internal"}', KEYWORDS, false],
    [403, 'forbidden', null, false],
    [403, 'forbidden', '', false],
    [403, 'forbidden', ' , ,', false],
    [200, '{"error":"ExpiredToken"}', KEYWORDS, false],
    [204, 'ExpiredToken', KEYWORDS, false],
    [299, 'AuthenticationRequired', KEYWORDS, false],
    [302, 'ExpiredToken', KEYWORDS, true],
  ])('%i %j with keywords %j → %s', (status, body, keywords, expected) => {
    expect(isInvalidation(status, body, keywords)).toBe(expected);
  });

  it('an empty keyword never matches everything', () => {
    expect(isInvalidation(500, 'server error', ',')).toBe(false);
  });
});
