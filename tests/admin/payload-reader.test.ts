import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin, type AdminHarness } from './harness.js';

// Issue 12: two dynamicAuthPayload readers disagreed — `a=b&c` was accepted when saved and refused at
// the first token fetch. One reader now decides both, so a payload saved is a payload that can be sent.

let admin: AdminHarness;
afterEach(async () => {
  await admin?.close();
});

describe('dynamicAuthPayload', () => {
  it('a form string with a bare name is refused when saved, naming the field; nothing is written', async () => {
    admin = await startAdmin();
    const base = { name: 'Dyn', code: 'dyn', baseUrl: 'http://127.0.0.1:9', isDynamicAuth: true, dynamicAuthUrl: 'http://127.0.0.1:9/token' };
    for (const payload of ['client_id=abc&secret', '["a","b"]', '"just a string"']) {
      const res = await admin.call('POST', '/providers', { ...base, dynamicAuthPayload: payload });
      expect(res.status, payload).toBe(400);
      expect(res.json.fields[0].field).toBe('dynamicAuthPayload');
    }
    expect(await admin.app.catalog.listProviders()).toEqual([]);
    for (const payload of ['client_id=abc&client_secret=def', '{"client_id":"abc","nested":{"a":1}}']) {
      const res = await admin.call('POST', '/providers', { ...base, code: `ok${payload.length}`, dynamicAuthPayload: payload });
      expect(res.status, payload).toBe(201);
    }
  });
});
