import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_RULES } from '../../src/catalog/write-rules.js';
import { boundedFetch } from '../../src/outbound/federation/response-cap.js';
import { textOf } from '../helpers/app.js';
import { federatedApp, listeningClient, POLL, type FederatedApp } from '../federation/harness.js';
import { startSecurityUpstream, type SecurityUpstream, type UpstreamMode } from './federation-upstreams.js';

/**
 * Low: federated results are capped like HTTP answers (TOOLWIRE_MAX_RESPONSE_BYTES). Before, an
 * upstream's answer was read and parsed whole, whatever its size: a 150 MB result took the server to
 * 1 GB. Now no message over the cap is held whole by any transport (a stdio line, a JSON body, an SSE
 * event), the call gets an isError naming the limit and the variable, and the connection stays up.
 */
const STDIO_FIXTURE = fileURLToPath(new URL('../fixtures/federation-security-stdio.mjs', import.meta.url));
const CAP = 64 * 1024;
const TOKEN = 'cap-upstream-token-8d2f61';
const TOO_LARGE = new RegExp(`answered with more than ${CAP} bytes, over the response cap \\(TOOLWIRE_MAX_RESPONSE_BYTES\\)`);

let fed: FederatedApp | undefined;
let upstream: SecurityUpstream | undefined;
let raw: HttpServer | undefined;
afterEach(async () => {
  await fed?.app.close();
  await upstream?.stop();
  if (raw) await new Promise<void>((resolve) => (raw!.close(() => resolve()), raw!.closeAllConnections()));
  fed = upstream = raw = undefined;
});

async function connected(code: string, provider: Record<string, unknown>) {
  fed = await federatedApp({ TOOLWIRE_MAX_RESPONSE_BYTES: String(CAP) });
  const { client, names } = await listeningClient(fed.app);
  await fed.app.catalog.createProvider({ name: code, code, kind: 'mcp', ...provider }, CLI_RULES);
  await expect.poll(names, POLL).toContain(`${code}__small`);
  return client;
}

describe('federation: results over TOOLWIRE_MAX_RESPONSE_BYTES (Low)', () => {
  it('stdio: a 12 MB answer line is skipped as it arrives; the call is refused, the same process keeps serving', async () => {
    const client = await connected('big', { command: process.execPath, args: [STDIO_FIXTURE] });
    const pid = fed!.federation.status()[0]!.pid;
    // The SDK's own read buffer closes the whole connection (and kills the server) at 10 MB.
    const refused = await client.callTool({ name: 'big__line', arguments: { bytes: 12 * 1024 * 1024 } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(TOO_LARGE);
    expect(textOf(refused)).toContain('upstream MCP server "big"');
    expect(textOf(refused)).toContain('raise TOOLWIRE_MAX_RESPONSE_BYTES');
    expect(textOf(await client.callTool({ name: 'big__small', arguments: {} }))).toBe('ok');
    expect(fed!.federation.status()[0]).toMatchObject({ state: 'ready', pid });
    // An answer just under the cap still passes.
    expect(textOf(await client.callTool({ name: 'big__line', arguments: { bytes: CAP - 1000 } }))).toHaveLength(CAP - 1080);
  });

  it('stdio: a result between the cap and the transport bound is refused by the size of the parsed result', async () => {
    const client = await connected('big', { command: process.execPath, args: [STDIO_FIXTURE] });
    const refused = await client.callTool({ name: 'big__big', arguments: { bytes: CAP + 10 } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(TOO_LARGE);
  });

  for (const mode of ['json', 'sse', 'legacy'] as UpstreamMode[]) {
    it(`${mode === 'legacy' ? 'HTTP+SSE' : `Streamable HTTP (${mode} answers)`}: a 2 MB result is refused with the limit named, and the connection stays up`, async () => {
      upstream = await startSecurityUpstream(mode, TOKEN);
      const client = await connected('remote', { url: upstream.url, protocol: mode === 'legacy' ? 'sse' : 'streamable_http', apiKeyValue: TOKEN });
      const refused = await client.callTool({ name: 'remote__big', arguments: { bytes: 2 * 1024 * 1024 } });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(TOO_LARGE);
      expect(textOf(await client.callTool({ name: 'remote__small', arguments: {} }))).toBe('ok');
      expect(textOf(await client.callTool({ name: 'remote__big', arguments: { bytes: 1000 } }))).toHaveLength(1000);
      expect(fed!.federation.status()[0]?.state).toBe('ready');
    });
  }

  it('Streamable HTTP: a JSON answer of 64 MB is not read past the cap (the upstream could not write it all)', async () => {
    upstream = await startSecurityUpstream('json', TOKEN);
    const client = await connected('remote', { url: upstream.url, apiKeyValue: TOKEN });
    const total = 64 * 1024 * 1024;
    const refused = await client.callTool({ name: 'remote__flood', arguments: { bytes: total } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(TOO_LARGE);
    await upstream.floodEnded();
    expect(upstream.written()).toBeLessThan(total / 2);
    expect(textOf(await client.callTool({ name: 'remote__small', arguments: {} }))).toBe('ok');
  });

  it('Streamable HTTP: an SSE event of 8 MB, id first as Python servers write it, is refused and what follows still arrives', async () => {
    upstream = await startSecurityUpstream('sse', TOKEN);
    const client = await connected('remote', { url: upstream.url, apiKeyValue: TOKEN });
    const refused = await client.callTool({ name: 'remote__flood_sse', arguments: { bytes: 8 * 1024 * 1024 } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(TOO_LARGE);
    expect(textOf(await client.callTool({ name: 'remote__small', arguments: {} }))).toBe('ok');
  });

  it('the SSE guard hands the parser one event at a time, never one over the cap: 16 MB in, a few KB out', async () => {
    const big = 16 * 1024 * 1024;
    raw = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"data":"before"}}\n\n');
      res.write('event: message\r\ndata: {"result":{"content":[{"type":"text","text":"');
      for (let sent = 0; sent < big; sent += 1024 * 1024) res.write('q'.repeat(1024 * 1024));
      res.write('"}]},"jsonrpc":"2.0","id":41}\r\n\r\n');
      res.end('data: {"jsonrpc":"2.0","method":"notifications/message","params":{"data":"after"}}\n\n');
    });
    await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
    const dropped: string[] = [];
    const response = await boundedFetch(CAP, (what) => dropped.push(what))(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/`, { method: 'GET' });
    const reader = response.body!.getReader();
    let received = 0;
    let largestChunk = 0;
    const chunks: Buffer[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      largestChunk = Math.max(largestChunk, value.length);
      chunks.push(Buffer.from(value));
    }
    const text = Buffer.concat(chunks).toString('utf8');
    expect(received).toBeLessThan(4096);
    expect(text).toContain('"data":"before"');
    expect(text).toContain('"data":"after"');
    // The event over the cap became the JSON-RPC error for request 41.
    const standIn = /data: (\{.*"id":41.*\})\n/.exec(text)?.[1];
    expect(JSON.parse(standIn ?? 'null')).toMatchObject({ id: 41, error: { data: { toolwire: 'response_too_large', limit: CAP } } });
    expect(dropped).toEqual([]);
  });
});
