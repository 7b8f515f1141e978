import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { connect, makeApp, textOf } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// Review finding: the base64 of a secret was matched only when the secret started on a 3-byte boundary
// of the encoded text, so `base64("Authorization: Bearer sk-…")` passed. Now every alignment is masked.

const KEY = 'sk-live-0123456789abcdef';
let app: App;
let upstream: Upstream;
afterEach(async () => {
  await app?.close();
  await upstream?.close();
});

describe('a credential inside a longer base64 text', () => {
  it('is masked at every byte alignment, in text and structuredContent', async () => {
    app = await makeApp();
    upstream = await startUpstream((req, res) => {
      const header = `Authorization: ${String(req.headers.authorization)}\r\n`;
      const encoded = ['', 'a', 'ab'].map((prefix) => Buffer.from(`${prefix}${header}X-Other: 1`).toString('base64'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ encoded }));
    });
    await app.catalog.createProvider({ name: 'P', code: 'p', baseUrl: upstream.url, authenticationType: 'BEARER_TOKEN', apiKeyValue: KEY });
    await app.catalog.createTool({ name: 'Echo', code: 'echo', providerCode: 'p', endpointPath: '/echo', httpMethod: 'GET' });
    const client = await connect(app);
    const result = await client.callTool({ name: 'echo', arguments: {} });
    const encoded = (result.structuredContent as { encoded: string[] }).encoded;
    expect(encoded).toHaveLength(3);
    for (const value of encoded) {
      expect(value).toContain('[REDACTED]');
      expect(Buffer.from(value.replace('[REDACTED]', ''), 'base64').toString('latin1')).not.toContain(KEY.slice(0, 12));
    }
    expect(textOf(result)).not.toContain(Buffer.from(KEY).toString('base64').slice(4, 16));
  });
});
