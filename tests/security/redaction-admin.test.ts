import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin, type AdminHarness } from '../admin/harness.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * The admin surfaces of issue 10's redaction items: `POST /admin/tools/{id}/validate` (a real call
 * through the registry, or a dry run) and `GET /admin/export`. A real node:http API on 127.0.0.1
 * echoes what it received, escaped the way some serializers write JSON.
 */
const BEARER_TOKEN = 'tok-canary-validate-3e9f0a7b';
const PASSPHRASE = 'hunter2-long-export-phrase';
const TENANT = 'tenant-canary-0042';

let admin: AdminHarness;
let upstream: Upstream;

const escapeAll = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const escapeSome = (s: string) => s.replaceAll('/', '\\/').replaceAll('-', '\\u002d');

function leaks(text: string, ...values: string[]): string[] {
  return values.filter((v) => text.toLowerCase().includes(v.toLowerCase()));
}

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const bare = String(req.headers.authorization ?? '').replace(/^\S+\s+/, '');
    const passphrase = String(req.headers['x-passphrase'] ?? '');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        `{"token":"${escapeSome(bare)}","all":"${escapeAll(bare)}","phrase":"${escapeAll(passphrase)}","hex":"${Buffer.from(bare).toString('hex').toUpperCase()}"}`,
      );
  });
  admin = await startAdmin();
  const created = await admin.call('POST', '/providers', {
    name: 'Echo',
    code: 'echo',
    baseUrl: `${upstream.url}/v1`,
    authenticationType: 'BEARER_TOKEN',
    apiKeyValue: `Bearer ${BEARER_TOKEN}`,
    customHeaders: {
      'X-Passphrase': PASSPHRASE,
      'X-Tenant': TENANT,
      Accept: 'application/vnd.github+json',
      'User-Agent': 'toolwire-test/1',
      'Accept-Language': 'fr',
      'X-GitHub-Api-Version': '2022-11-28',
      'Anthropic-Version': '2023-06-01',
      'X-Token-Version': 'v-secretish-77',
    },
  });
  expect(created.status, created.text).toBe(201);
});

afterAll(async () => {
  await admin.close();
  await upstream.close();
});

async function tool(code: string, fields: Record<string, unknown>): Promise<number> {
  const res = await admin.call('POST', '/tools', { name: code, code, providerCode: 'echo', httpMethod: 'GET', ...fields });
  expect(res.status, res.text).toBe(201);
  return res.json.id;
}

describe('M2: POST /admin/tools/{id}/validate', () => {
  it('call mode: a JSON-escaped echo of the bare token and of a custom header is masked in the text and structuredContent', async () => {
    const id = await tool('whoami', { endpointPath: '/whoami' });
    const res = await admin.call('POST', `/tools/${id}/validate`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ mode: 'call', ok: true });
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${BEARER_TOKEN}`);
    expect(leaks(res.text, BEARER_TOKEN, escapeSome(BEARER_TOKEN), escapeAll(BEARER_TOKEN), PASSPHRASE, escapeAll(PASSPHRASE))).toEqual([]);
    // The admin answer is itself JSON: its decoded strings must not carry the plaintext either.
    expect(leaks(JSON.stringify(res.json), BEARER_TOKEN, PASSPHRASE)).toEqual([]);
    expect(res.json.result.structuredContent).toEqual({ token: '[REDACTED]', all: '[REDACTED]', phrase: '[REDACTED]', hex: '[REDACTED]' });
    expect(JSON.parse(res.json.result.content[0].text)).toEqual(res.json.result.structuredContent);
  });

  it('dry run: the bare token pasted into a body template, as a value or a key, is masked', async () => {
    const id = await tool('post-note', {
      endpointPath: '/notes',
      httpMethod: 'POST',
      isExportable: false,
      bodyPayloadTemplate: `{"note": "{{text}}", "auth": "${BEARER_TOKEN}", "${BEARER_TOKEN}": true, "upper": "${BEARER_TOKEN.toUpperCase()}"}`,
      parameters: [{ name: 'text', type: 'STRING', required: true }],
    });
    const before = upstream.requests.length;
    const res = await admin.call('POST', `/tools/${id}/validate`);
    expect(res.json.mode).toBe('dry-run');
    expect(upstream.requests).toHaveLength(before);
    expect(leaks(res.text, BEARER_TOKEN)).toEqual([]);
    expect(res.json.request.body).toEqual({ note: 'example-text', auth: 'generic_text', generic_text: true, upper: 'generic_text' });
    expect(Object.values(res.json.request.headers).every((v) => v === 'generic_text' || v === 'application/json')).toBe(true);
  });
});

describe('Low: exports keep only known configuration headers', () => {
  it('GET /admin/export: X-Passphrase, X-Tenant and a credential-named *-Version become <YOUR_API_KEY>; Accept, User-Agent, Accept-Language and API versions are kept', async () => {
    const res = await admin.call('GET', '/export');
    expect(res.status).toBe(200);
    const echo = res.json.find((p: { code: string }) => p.code === 'echo');
    expect(echo.customHeaders).toEqual({
      'X-Passphrase': '<YOUR_API_KEY>',
      'X-Tenant': '<YOUR_API_KEY>',
      Accept: 'application/vnd.github+json',
      'User-Agent': 'toolwire-test/1',
      'Accept-Language': 'fr',
      'X-GitHub-Api-Version': '2022-11-28',
      'Anthropic-Version': '2023-06-01',
      'X-Token-Version': '<YOUR_API_KEY>',
    });
    expect(echo.apiKeyValue).toBe('<YOUR_API_KEY>');
    expect(leaks(res.text, PASSPHRASE, TENANT, BEARER_TOKEN, 'v-secretish-77')).toEqual([]);
  });

  it('an export imported back keeps the stored secrets behind the placeholders', async () => {
    const exported = (await admin.call('GET', '/export')).json;
    const res = await admin.call('POST', '/import', exported);
    expect(res.status, res.text).toBeLessThan(300);
    expect((await admin.app.catalog.getProvider('echo')).customHeaders).toMatchObject({
      'X-Passphrase': PASSPHRASE,
      'X-Tenant': TENANT,
      'X-Token-Version': 'v-secretish-77',
    });
  });

  it('admin answers still mask every custom header value', async () => {
    const res = await admin.call('GET', '/providers');
    const echo = (Array.isArray(res.json) ? res.json : (res.json.providers ?? res.json.items)).find((p: { code: string }) => p.code === 'echo');
    expect(Object.values(echo.customHeaders)).toEqual(Array(8).fill('generic_text'));
  });
});
