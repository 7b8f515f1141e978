import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { ServerResponse } from 'node:http';
import type { Recorded } from '../helpers/upstream.js';

/** The two revisions a client may speak (SPEC §10). */
export const MODES: Array<['legacy' | { pin: string }]> = [['legacy'], [{ pin: '2026-07-28' }]];

/** An SDK client connected to `url` with a bearer token, speaking `mode`. */
export async function clientFor(url: string, token: string, mode: 'legacy' | { pin: string }): Promise<Client> {
  const client = new Client({ name: 'ops-test', version: '1' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

/** One call: whether it was an error and its text. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
  return { isError: result.isError === true, text };
}

/**
 * An upstream whose paths say how to answer: `/ok` 200 JSON, `/missing` 404, `/broken` 500, `/slow` never
 * (until the test ends), anything else an echo.
 */
export function outcomes(held: ServerResponse[]) {
  return (req: Recorded, res: ServerResponse) => {
    if (req.path === '/ok') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"fine":true}');
    if (req.path === '/missing') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such thing"}');
    if (req.path === '/broken') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('it broke');
    if (req.path === '/slow') return void held.push(res);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path, body: req.json ?? null }));
  };
}
