import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { connect, makeApp, textOf } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// Review finding: a UTF-16 answer was read as UTF-8, so an echoed key arrived interleaved with NUL bytes
// and matched no form of the secret. Answers are now read in the charset they declare (or their BOM says).

const KEY = 'charset-key-5e7d9a1c';
let app: App;
let upstream: Upstream;
afterEach(async () => {
  await app?.close();
  await upstream?.close();
});

describe('answers in another charset', () => {
  it('a UTF-16 echo of the key is read as text and masked (declared, or by its byte-order mark)', async () => {
    app = await makeApp();
    upstream = await startUpstream((req, res) => {
      const text = `echo: ${String(req.headers['x-api-key'])}`;
      if (req.path === '/declared') res.writeHead(200, { 'content-type': 'text/plain; charset=utf-16le' }).end(Buffer.from(text, 'utf16le'));
      else if (req.path === '/bom')
        res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      else res.writeHead(500, { 'content-type': 'application/json; charset=utf-16le' }).end(Buffer.from(JSON.stringify({ error: text }), 'utf16le'));
    });
    await app.catalog.createProvider({
      name: 'P',
      code: 'p',
      baseUrl: upstream.url,
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-Api-Key',
      apiKeyValue: KEY,
    });
    for (const path of ['/declared', '/bom', '/error'])
      await app.catalog.createTool({ name: path, code: path.slice(1), providerCode: 'p', endpointPath: path });
    const client = await connect(app);
    for (const name of ['declared', 'bom', 'error']) {
      const result = await client.callTool({ name, arguments: {} });
      expect(textOf(result), name).toContain('echo: [REDACTED]');
      expect(JSON.stringify(result), name).not.toContain(KEY);
    }
  });
});
