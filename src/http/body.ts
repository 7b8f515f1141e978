import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body accepted on /mcp and the admin routes (an OpenAPI import can be large). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type BodyResult = { ok: true; value: unknown; empty: boolean } | { ok: false; status: 400 | 413; message: string };

/** Reads and parses a JSON body; malformed JSON is a 400 with the parser's reason, never a 500. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return { ok: false, status: 413, message: `The request body is larger than ${limit} bytes.` };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: undefined, empty: true };
  try {
    return { ok: true, value: JSON.parse(text), empty: false };
  } catch (err) {
    return { ok: false, status: 400, message: `The request body is not valid JSON (${(err as Error).message}).` };
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'content-type': 'application/json' } : {}),
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
