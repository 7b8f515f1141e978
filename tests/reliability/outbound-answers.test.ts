import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { connect, makeApp, textOf } from '../helpers/app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// Issue 11, answers that go wrong on the way: TOOLWIRE_TIMEOUT_MS is a deadline for the whole call
// (a slow drip used to take twice as long), an answer announced as JSON that does not parse says so,
// and a connection cut in the middle of an answer is not "Could not reach the API".

const SECRET = 'sk-canary-51d0e7';

/** Per drip: how many chunks the API had written, and whether it had finished, when the call's result arrived. */
const drips = new Map<string, { written: number; done: boolean }>();

/** Writes `chunks` one-byte chunks, one every `everyMs`, after answering 200 at once. */
function drip(name: string, res: ServerResponse, chunks: number, everyMs: number): void {
  const state = { written: 0, done: false };
  drips.set(name, state);
  res.writeHead(200, { 'content-type': 'text/plain' });
  const timer = setInterval(() => {
    if (res.destroyed) return void clearInterval(timer);
    res.write('x');
    if (++state.written === chunks) {
      clearInterval(timer);
      state.done = true;
      res.end();
    }
  }, everyMs);
  res.on('close', () => clearInterval(timer));
}

let upstream: Upstream;
let app: App;
let client: Client;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    switch (req.path) {
      case '/drip':
        return drip('drip', res, 50, 100); // 5 s
      case '/drip-slow':
        return drip('drip-slow', res, 10, 400); // a chunk every 400 ms: never idle for 500 ms
      case '/bad-json':
        return void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(`{"items": [1, 2, {"key": "${req.query.get('key')}"`);
      case '/html-as-json':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html><body>Bad gateway</body></html>');
      case '/cut':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write(`{"partial": "${'y'.repeat(90)}`);
        return void setTimeout(() => res.socket?.destroy(), 20);
      case '/no-answer':
        return void res.socket?.destroy();
      default:
        return void res.writeHead(404).end();
    }
  });
  app = await makeApp({ TOOLWIRE_TIMEOUT_MS: '500' });
  await app.catalog.createProvider({
    name: 'api',
    code: 'api',
    baseUrl: upstream.url,
    authenticationType: 'API_KEY',
    apiKeyLocation: 'QUERY_PARAMETER',
    apiKeyName: 'key',
    apiKeyValue: SECRET,
  });
  for (const route of ['drip', 'drip-slow', 'bad-json', 'html-as-json']) {
    await app.catalog.createTool({ name: route, code: route, providerCode: 'api', endpointPath: `/${route}`, httpMethod: 'GET' });
  }
  await app.catalog.createTool({ name: 'cut', code: 'cut', providerCode: 'api', endpointPath: '/cut', httpMethod: 'POST' });
  await app.catalog.createTool({ name: 'cut-get', code: 'cut-get', providerCode: 'api', endpointPath: '/cut', httpMethod: 'GET' });
  await app.catalog.createTool({ name: 'no-answer', code: 'no-answer', providerCode: 'api', endpointPath: '/no-answer', httpMethod: 'POST' });
  await app.catalog.createTool({
    name: 'bad-json-typed',
    code: 'bad-json-typed',
    providerCode: 'api',
    endpointPath: '/bad-json',
    httpMethod: 'GET',
    outputSchema: { type: 'object', properties: { items: { type: 'array' } } },
  });
  client = await connect(app);
});

afterAll(async () => {
  await client?.close();
  await app?.close();
  await upstream?.close();
});

const sent = (path: string) => upstream.requests.filter((r) => r.path === path).length;

describe('TOOLWIRE_TIMEOUT_MS is a deadline for the whole call', () => {
  it('an answer dripping a byte every 100 ms for 5 s ends the call with "timed out after 500 ms", long before the drip ends', async () => {
    const result = await client.callTool({ name: 'drip' });
    const state = drips.get('drip');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('The call timed out after 500 ms (TOOLWIRE_TIMEOUT_MS, a deadline for the whole call)');
    expect(textOf(result)).toMatch(/had answered 200 but sent only \d+ bytes/);
    expect(state?.done).toBe(false);
    expect(state?.written).toBeLessThan(40);
  });

  it('a drip that is never idle for 500 ms is cut at the deadline, before its second chunk (an idle timer let it run on)', async () => {
    const result = await client.callTool({ name: 'drip-slow' });
    const state = drips.get('drip-slow');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('timed out after 500 ms');
    // Chunks leave at 400, 800, 1,200 ms…: the deadline (500 ms) falls between the first and the second.
    expect(state?.written).toBeLessThanOrEqual(1);
    expect(sent('/drip-slow')).toBe(1); // a timeout is not retried
  });
});

describe('an answer announced as JSON that is not JSON', () => {
  it('is returned as its text, without structured content, with a note that says it is not valid JSON; secrets are masked', async () => {
    const result = await client.callTool({ name: 'bad-json' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toBeUndefined();
    const [text, note] = result.content as Array<{ type: string; text: string }>;
    expect(text?.text).toBe('{"items": [1, 2, {"key": "[REDACTED]"');
    expect(note?.text).toMatch(
      /^Note: the API answered GET \/bad-json with \d+ bytes announced as application\/json \(its content-type\), but they are not valid JSON/,
    );
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('an HTML page served as application/json gets the same note', async () => {
    const result = await client.callTool({ name: 'html-as-json' });
    expect(textOf(result)).toContain('<html><body>Bad gateway</body></html>');
    expect(textOf(result)).toContain('announced as application/json (its content-type), but they are not valid JSON');
  });

  it('a tool that promises structured content answers isError with the text and the note', async () => {
    const result = await client.callTool({ name: 'bad-json-typed' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('not valid JSON');
    expect(textOf(result)).not.toContain(SECRET);
  });
});

describe('a connection cut while the answer arrives', () => {
  it('says it was cut while reading the answer, after the API answered, and that the request may have been processed; a POST is not sent again', async () => {
    const result = await client.callTool({ name: 'cut' });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).not.toContain('Could not reach the API');
    expect(text).toMatch(
      /The connection was cut while reading the API's answer \(.+\): it had answered 200 and sent \d+ bytes of the body\. The request reached the API and may have been processed; the answer is incomplete\./,
    );
    expect(sent('/cut')).toBe(1);
  });

  it('a GET cut the same way is retried (it is idempotent) and then reported the same way', async () => {
    const before = sent('/cut');
    const result = await client.callTool({ name: 'cut-get' });
    expect(textOf(result)).toContain("The connection was cut while reading the API's answer");
    expect(sent('/cut') - before).toBeGreaterThan(1);
  });

  it('a connection closed after the request was sent, before any answer, says the request may have been processed', async () => {
    const result = await client.callTool({ name: 'no-answer' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/The connection to the API closed before it answered \(.+\)\. The request was sent and may have been processed\./);
    expect(sent('/no-answer')).toBe(1);
  });
});
