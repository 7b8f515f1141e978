import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { connect, makeApp, textOf } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// Review finding: only top-level string values of a dynamic-auth payload were masked. A nested password
// or a numeric PIN echoed back reached the agent, while the word "password" (a grant type) was masked
// in every answer.

let app: App;
let upstream: Upstream;
afterEach(async () => {
  await app?.close();
  await upstream?.close();
});

describe('dynamic-auth payload values in answers', () => {
  it('nested and numeric values are masked; flow names such as grant_type are not', async () => {
    app = await makeApp();
    upstream = await startUpstream();
    await app.catalog.createProvider({
      name: 'P',
      code: 'p',
      baseUrl: upstream.url,
      dynamicAuthPayload: JSON.stringify({ grant_type: 'password', scope: 'read write', auth: { password: 'hunter2hunter2' }, pin: 98765432 }),
    });
    await app.catalog.createTool({
      name: 'Echo',
      code: 'echo',
      providerCode: 'p',
      endpointPath: '/echo',
      httpMethod: 'GET',
      parameters: [{ name: 'q', type: 'STRING' }],
    });
    const client = await connect(app);
    const result = await client.callTool({ name: 'echo', arguments: { q: 'password hunter2hunter2 98765432 read write' } });
    const text = textOf(result);
    expect(text).not.toContain('hunter2hunter2');
    expect(text).not.toContain('98765432');
    expect(text).toContain('password [REDACTED] [REDACTED] read write');
  });
});
