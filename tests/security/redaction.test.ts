import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ServerResponse } from 'node:http';
import type { App } from '../../src/app.js';
import { connect, makeApp, textOf } from '../helpers/app.js';
import { startUpstream, type Recorded, type Upstream } from '../helpers/upstream.js';

/**
 * An upstream that echoes credentials back in every way it can: a real MCP Client calls our server,
 * which calls a real node:http API on 127.0.0.1 that reflects what it received. Nothing shown to the
 * agent (text or structuredContent) may carry a secret in any form (issue 10: M2 and Low).
 */
const BEARER_TOKEN = 'tok-canary-bearer-5f1e9a2c';
const HEADER_TOKEN = 'tkn-canary-header-7b3d0e41';
const BASIC_USER = 'canary-user';
const BASIC_PASS = 'canary-pass-9c8d7e6f';
const ENCODED_BASIC_PASS = 'canary-pass-pre-encoded-42';
const SLASHED_KEY = 'Sk/Live+Canary=42-xyz-QR';
const PASSPHRASE = 'hunter2-long-passphrase';
/** A token as long as a big JWT: its hex and base64 forms are past what one RegExp holds, matched on their own. */
const LONG_TOKEN = `eyJ${'aB3-x_9Z'.repeat(400)}`;

let upstream: Upstream;
let app: App;
let client: Client;

/** Every character as `\uXXXX`: still the same JSON string once parsed. */
const escapeAll = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
/** What PHP and some serializers write: `\/` for `/`, and here also `\u002d` for `-`. */
const escapeSome = (s: string) => s.replaceAll('/', '\\/').replaceAll('-', '\\u002d');
const bareToken = (value: string) => value.replace(/^\S+\s+/, '');
const b64 = (s: string) => Buffer.from(s).toString('base64');

function send(res: ServerResponse, status: number, type: string, body: string | Buffer) {
  res.writeHead(status, { 'content-type': type }).end(body);
}

/** The credential the request carried, wherever the provider put it. */
function credentialOf(req: Recorded): string {
  return String(req.headers['x-api-key'] ?? req.headers['x-passphrase'] ?? req.headers.authorization ?? '');
}

function answer(req: Recorded, res: ServerResponse) {
  const route = req.path.split('/').at(-1);
  const credential = credentialOf(req);
  const bare = bareToken(credential);
  switch (route) {
    case 'bare-json':
      return send(res, 200, 'application/json', JSON.stringify({ received: credential, token: bare, upper: bare.toUpperCase() }));
    case 'bare-text':
      return send(res, 200, 'text/plain', `you sent ${bare} (scheme and token: ${credential})`);
    case 'basic-parts': {
      const pair = Buffer.from(bare, 'base64').toString('utf8');
      const password = pair.slice(pair.indexOf(':') + 1);
      return send(res, 200, 'application/json', JSON.stringify({ header: credential, pair, password, passwordAlone: `p=${password};` }));
    }
    case 'escaped-json':
      // Hand-written JSON: escaped forms that JSON.parse turns back into the plaintext.
      return send(
        res,
        200,
        'application/json',
        `{"some":"${escapeSome(bare)}","all":"${escapeAll(bare)}","${escapeAll(bare)}":1,"nested":"{\\"k\\":\\"${escapeSome(bare).replaceAll('\\', '\\\\')}\\"}"}`,
      );
    case 'escaped-array':
      return send(res, 200, 'application/json', `["${escapeAll(bare)}", 2]`);
    case 'escaped-text':
      return send(res, 200, 'text/plain', `debug: token="${escapeSome(bare)}" all="${escapeAll(bare)}"`);
    case 'escaped-error':
      return send(res, 401, 'application/json', `{"error":"bad credential","got":"${escapeAll(bare)}"}`);
    case 'forms': {
      // For Basic auth, the forms of the password; otherwise of the bare token.
      const secret = /^basic /i.test(credential) ? Buffer.from(bare, 'base64').toString('utf8').split(':')[1]! : bare;
      const bytes = Buffer.from(secret);
      const forms = {
        base64: bytes.toString('base64'),
        base64Unpadded: bytes.toString('base64').replace(/=+$/, ''),
        base64url: bytes.toString('base64url'),
        hexLower: bytes.toString('hex'),
        hexUpper: bytes.toString('hex').toUpperCase(),
        urlTwice: encodeURIComponent(encodeURIComponent(secret)),
        urlTwiceLower: encodeURIComponent(encodeURIComponent(secret)).toLowerCase(),
        upper: secret.toUpperCase(),
        lower: secret.toLowerCase(),
      };
      return send(res, 200, 'application/json', JSON.stringify(forms));
    }
    case 'forms-text': {
      const bytes = Buffer.from(bare);
      return send(
        res,
        200,
        'text/plain',
        [bytes.toString('base64url'), bytes.toString('hex').toUpperCase(), encodeURIComponent(encodeURIComponent(bare)), bare.toLowerCase()].join('\n'),
      );
    }
    case 'config-echo':
      return send(
        res,
        200,
        'application/json',
        JSON.stringify({
          accept: req.headers.accept,
          version: req.headers['x-github-api-version'],
          passphrase: req.headers['x-passphrase'],
          note: 'application/json is fine',
        }),
      );
    case 'image-with-secret':
      return send(
        res,
        200,
        'image/png',
        Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), Buffer.from(`tEXt comment ${bare}`), Buffer.from([0, 1, 2])]),
      );
    case 'image-with-encoded-secret':
      return send(
        res,
        200,
        'image/png',
        Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]), Buffer.from(Buffer.from(bare).toString('hex').toUpperCase()), Buffer.from([0xff])]),
      );
    case 'image-clean':
      return send(res, 200, 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
    default:
      return send(res, 404, 'text/plain', 'no route');
  }
}

const ROUTES = [
  'bare-json',
  'bare-text',
  'basic-parts',
  'escaped-json',
  'escaped-array',
  'escaped-text',
  'escaped-error',
  'forms',
  'forms-text',
  'config-echo',
  'image-with-secret',
  'image-with-encoded-secret',
  'image-clean',
];

async function provider(code: string, fields: Record<string, unknown>) {
  await app.catalog.createProvider({ name: code, code, baseUrl: `${upstream.url}/${code}`, ...fields });
  for (const route of ROUTES)
    await app.catalog.createTool({ name: `${code} ${route}`, code: `${code}-${route}`, providerCode: code, endpointPath: `/${route}`, httpMethod: 'GET' });
}

async function call(name: string) {
  return client.callTool({ name });
}

/** Everything the agent sees, as one string, plus the parsed text when it is JSON. */
function shown(result: Awaited<ReturnType<typeof call>>): string {
  return JSON.stringify(result) + textOf(result);
}

function expectAbsent(result: Awaited<ReturnType<typeof call>>, ...values: string[]) {
  const all = shown(result);
  for (const value of values) expect(all.toLowerCase(), `"${value}" must not be shown`).not.toContain(value.toLowerCase());
}

beforeAll(async () => {
  upstream = await startUpstream(answer);
  app = await makeApp();
  await provider('bearer', { authenticationType: 'BEARER_TOKEN', apiKeyValue: `Bearer ${BEARER_TOKEN}` });
  await provider('custom', { customHeaders: { Authorization: `Token ${HEADER_TOKEN}` } });
  await provider('basic', { authenticationType: 'BASIC_AUTH', apiKeyValue: `${BASIC_USER}:${BASIC_PASS}` });
  await provider('basicenc', { authenticationType: 'BASIC_AUTH', apiKeyValue: `Basic ${b64(`${BASIC_USER}:${ENCODED_BASIC_PASS}`)}` });
  await provider('slashed', { authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: 'X-Api-Key', apiKeyValue: SLASHED_KEY });
  await provider('longtok', { authenticationType: 'BEARER_TOKEN', apiKeyValue: LONG_TOKEN });
  await provider('phrase', { customHeaders: { 'X-Passphrase': PASSPHRASE, Accept: 'application/json', 'X-GitHub-Api-Version': '2022-11-28' } });
  client = await connect(app);
});

afterAll(async () => {
  await client.close();
  await app.close();
  await upstream.close();
});

describe('M2: the token of a "<scheme> <token>" value and the parts of a Basic pair', () => {
  it('a key stored as "Bearer X": the bare X echoed back is masked, in any case', async () => {
    const json = await call('bearer-bare-json');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${BEARER_TOKEN}`);
    expectAbsent(json, BEARER_TOKEN);
    expect(json.structuredContent).toEqual({ received: '[REDACTED]', token: '[REDACTED]', upper: '[REDACTED]' });
    const text = await call('bearer-bare-text');
    expectAbsent(text, BEARER_TOKEN);
    expect(textOf(text)).toBe('you sent [REDACTED] (scheme and token: [REDACTED])');
  });

  it('a custom header "Authorization: Token X": the bare X is masked', async () => {
    const json = await call('custom-bare-json');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Token ${HEADER_TOKEN}`);
    expectAbsent(json, HEADER_TOKEN);
    expectAbsent(await call('custom-bare-text'), HEADER_TOKEN);
  });

  it('Basic auth: the password on its own, the user:pass pair and its base64 are masked', async () => {
    const result = await call('basic-basic-parts');
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Basic ${b64(`${BASIC_USER}:${BASIC_PASS}`)}`);
    expectAbsent(result, BASIC_PASS, `${BASIC_USER}:${BASIC_PASS}`, b64(`${BASIC_USER}:${BASIC_PASS}`));
    expect(result.structuredContent).toMatchObject({ password: '[REDACTED]', passwordAlone: 'p=[REDACTED];' });
  });

  it('Basic auth stored already encoded: the decoded password is masked too', async () => {
    const result = await call('basicenc-basic-parts');
    expectAbsent(result, ENCODED_BASIC_PASS, b64(`${BASIC_USER}:${ENCODED_BASIC_PASS}`));
  });
});

describe('M2: JSON-escaped echoes, in the text and in structuredContent', () => {
  it('`\\/`, `\\u002d` and all-`\\uXXXX` escapes, as values, keys and nested JSON: masked, text and structuredContent agree', async () => {
    const result = await call('slashed-escaped-json');
    expect(upstream.requests.at(-1)!.headers['x-api-key']).toBe(SLASHED_KEY);
    expectAbsent(result, SLASHED_KEY, escapeSome(SLASHED_KEY), escapeAll(SLASHED_KEY));
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ some: '[REDACTED]', all: '[REDACTED]', '[REDACTED]': 1, nested: '{"k":"[REDACTED]"}' });
    expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
  });

  it('the same through a bearer token, a JSON array and a text answer', async () => {
    expectAbsent(await call('bearer-escaped-json'), BEARER_TOKEN, escapeSome(BEARER_TOKEN), escapeAll(BEARER_TOKEN));
    const array = await call('bearer-escaped-array');
    expectAbsent(array, BEARER_TOKEN, escapeAll(BEARER_TOKEN));
    expect(JSON.parse(textOf(array))).toEqual(['[REDACTED]', 2]);
    const text = await call('slashed-escaped-text');
    expectAbsent(text, SLASHED_KEY, escapeSome(SLASHED_KEY), escapeAll(SLASHED_KEY));
    expect(textOf(text)).toContain('[REDACTED]');
  });

  it('an error answer with an escaped echo is masked in its excerpt', async () => {
    const result = await call('slashed-escaped-error');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('401');
    expectAbsent(result, SLASHED_KEY, escapeAll(SLASHED_KEY));
  });
});

describe('Low: every custom header value is a secret in results, but configuration headers', () => {
  it('`X-Passphrase` echoed back is masked; Accept and an API version are shown as they are', async () => {
    const result = await call('phrase-config-echo');
    expect(upstream.requests.at(-1)!.headers['x-passphrase']).toBe(PASSPHRASE);
    expectAbsent(result, PASSPHRASE);
    expect(result.structuredContent).toEqual({ accept: 'application/json', version: '2022-11-28', passphrase: '[REDACTED]', note: 'application/json is fine' });
  });
});

describe('Low: encoded echoes of a secret', () => {
  it('base64 (padded and not), base64url, hex in both cases, URL-encoded twice, upper and lower case: all masked', async () => {
    const bytes = Buffer.from(SLASHED_KEY);
    const result = await call('slashed-forms');
    expectAbsent(
      result,
      SLASHED_KEY,
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
      bytes.toString('hex'),
      encodeURIComponent(encodeURIComponent(SLASHED_KEY)),
    );
    const masked = Object.values(result.structuredContent as Record<string, string>);
    expect(masked).toHaveLength(9);
    for (const value of masked) expect(value).toMatch(/^\[REDACTED\]=*$/);
    const text = await call('slashed-forms-text');
    expect(textOf(text).split('\n')).toEqual(['[REDACTED]', '[REDACTED]', '[REDACTED]', '[REDACTED]']);
  });

  it('the forms of a bearer token, of a 3 KB token and of a Basic password are masked too', async () => {
    expectAbsent(await call('bearer-forms'), BEARER_TOKEN, Buffer.from(BEARER_TOKEN).toString('hex'), Buffer.from(BEARER_TOKEN).toString('base64url'));
    const long = await call('longtok-forms');
    expectAbsent(long, LONG_TOKEN, Buffer.from(LONG_TOKEN).toString('hex'), Buffer.from(LONG_TOKEN).toString('base64url'));
    for (const value of Object.values(long.structuredContent as Record<string, string>)) expect(value).toMatch(/^\[REDACTED\]=*$/);
    const basic = await call('basic-forms');
    expectAbsent(basic, BASIC_PASS, Buffer.from(BASIC_PASS).toString('hex'), Buffer.from(BASIC_PASS).toString('base64url'));
    for (const value of Object.values(basic.structuredContent as Record<string, string>)) expect(value).toMatch(/^\[REDACTED\]=*$/);
  });
});

describe('Low: binary answers that contain a secret are withheld', () => {
  it('an image whose bytes hold the token, or its hex, is an isError that says why; a clean image is shown', async () => {
    const leaked = await call('bearer-image-with-secret');
    expect(leaked.isError).toBe(true);
    expect(textOf(leaked)).toMatch(/image\/png that contain a credential .* withheld/);
    expect(leaked.content).toHaveLength(1);
    expectAbsent(leaked, BEARER_TOKEN, b64(BEARER_TOKEN).slice(0, 16));
    const encoded = await call('slashed-image-with-encoded-secret');
    expect(encoded.isError).toBe(true);
    expect(textOf(encoded)).toMatch(/withheld/);
    const clean = await call('bearer-image-clean');
    expect(clean.isError).toBeFalsy();
    expect(clean.content).toEqual([{ type: 'image', mimeType: 'image/png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]).toString('base64') }]);
  });
});

describe('what must stay as it is', () => {
  it('an answer without a secret keeps its exact text (formatting, big numbers)', async () => {
    upstream.handle((req, res) => {
      if (req.path.endsWith('/bare-json'))
        return send(res, 200, 'application/json', '{\n  "id": 12345678901234567890123,\n  "path": "a\\/b",\n  "word": "pass"\n}');
      return answer(req, res);
    });
    try {
      const result = await call('basic-bare-json');
      expect(textOf(result)).toBe('{\n  "id": 12345678901234567890123,\n  "path": "a\\/b",\n  "word": "pass"\n}');
      expect(result.structuredContent).toMatchObject({ path: 'a/b', word: 'pass' });
    } finally {
      upstream.handle(answer);
    }
  });
});
