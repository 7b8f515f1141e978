import type { IncomingMessage, ServerResponse } from 'node:http';
import { ToolwireError } from '../../core/errors.js';

/** The largest request body accepted on /mcp and the admin routes (an OpenAPI import can be large). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * A body, or why there is none: PAYLOAD_TOO_LARGE, or INVALID_JSON whose `cause` is the parser's
 * SyntaxError (callers that word their own message take the reason from there, not from ours).
 */
export type BodyResult = { ok: true; value: unknown; empty: boolean } | { ok: false; error: ToolwireError };

/**
 * Reads and parses a JSON body; malformed JSON is a 400 with the parser's reason, never a 500.
 * Plain 'data'/'end' listeners: cheaper per request than `for await`, which builds an async
 * iterator and an end-of-stream watcher for every body (measured on the tools/call path).
 */
export function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.off('data', onData);
        req.resume(); // drain the rest without keeping it
        resolve({ ok: false, error: new ToolwireError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`) });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', (err) => {
      if (!done) reject(err);
    });
    req.once('end', () => {
      if (done) return;
      done = true;
      const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
      if (text.trim() === '') return resolve({ ok: true, value: undefined, empty: true });
      try {
        resolve({ ok: true, value: JSON.parse(text), empty: false });
      } catch (err) {
        const error = new ToolwireError('INVALID_JSON', `The request body is not valid JSON (${(err as Error).message}).`, { cause: err });
        resolve({ ok: false, error });
      }
    });
  });
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
