import { afterEach, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/app.js';
import { federatedApp, listeningClient, POLL, type FederatedApp } from '../federation/harness.js';
import { startSecurityUpstream, type SecurityUpstream } from './federation-upstreams.js';

// Review findings on the federation path: results of upstream MCP servers get the same masking as HTTP
// answers (JSON escapes decoded, object keys, numbers), and a credential written as-is into an image's
// `data` (a hex key is valid base64) is withheld, not passed on because its decoded bytes look clean.

const API_KEY = '9f86d081884c7d659a2feaa0c55ad015';
let fed: FederatedApp | undefined;
let upstream: SecurityUpstream | undefined;
afterEach(async () => {
  await fed?.app.close();
  await upstream?.stop();
  fed = upstream = undefined;
});

async function ready() {
  upstream = await startSecurityUpstream('json', API_KEY);
  fed = await federatedApp();
  await fed.app.catalog.createProvider({ name: 'Up', code: 'up', kind: 'mcp', url: upstream.url, apiKeyValue: API_KEY });
  const { client, names } = await listeningClient(fed.app);
  await expect.poll(names, POLL).toContain('up__echo_text');
  return client;
}

describe('federation: results masked like HTTP answers', () => {
  it('a JSON-escaped echo in a text item, a key and a number in structuredContent are masked', async () => {
    const client = await ready();
    const escaped = API_KEY.replace(/d/g, '\\u0064');
    const result = await client.callTool({
      name: 'up__echo_text',
      arguments: { text: `{"echo":"${escaped}"}`, structured: JSON.stringify({ [API_KEY]: 'as a key', n: 123, nested: { v: `Bearer ${API_KEY}` } }) },
    });
    const all = JSON.stringify(result);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(escaped.replace(/\\/g, '\\\\'));
    expect(textOf(result)).toContain('[REDACTED]');
    expect(result.structuredContent).toEqual({ '[REDACTED]': 'as a key', n: 123, nested: { v: 'Bearer [REDACTED]' } });
  });

  it('an image whose data is the credential as written (valid base64, garbage when decoded) is withheld', async () => {
    const client = await ready();
    const result = await client.callTool({ name: 'up__raw_image', arguments: { data: API_KEY } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/contained a credential of this provider and was withheld/);
    expect(JSON.stringify(result)).not.toContain(API_KEY);
  });
});
