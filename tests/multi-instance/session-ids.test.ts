import { describe, expect, it } from 'vitest';
import { instanceName, newSessionId } from '../../src/inbound/http/mcp-endpoint.js';

// TOOLWIRE_INSTANCE (SPEC §13): the instance's name in front of the legacy session ids it makes, so a
// balancer can send a session's requests to its instance (examples/deploy/nginx.conf routes on it).
describe('session ids that name their instance', () => {
  it('are `<instance>.<uuid>` with TOOLWIRE_INSTANCE, a plain UUID without', () => {
    expect(instanceName({ TOOLWIRE_INSTANCE: 'web-2' })).toBe('web-2');
    expect(newSessionId('web-2')).toMatch(/^web-2\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(instanceName({})).toBeNull();
    expect(instanceName({ TOOLWIRE_INSTANCE: '  ' })).toBeNull();
    expect(newSessionId(null)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(newSessionId('a')).not.toBe(newSessionId('a'));
  });

  it.each(['A', 'a.b', 'a b', '-a', 'x'.repeat(33), 'ü'])('refuses %j with a message naming the variable and the form', (raw) => {
    expect(() => instanceName({ TOOLWIRE_INSTANCE: raw })).toThrow(/TOOLWIRE_INSTANCE .* lower-case letters, digits and dashes/);
  });
});
