import { Buffer } from 'node:buffer';
import type { FetchLike, JSONRPCMessage, RequestId, Transport } from '@modelcontextprotocol/client';
import { clientSdk, isProtocolError } from './client-sdk.js';

/**
 * The response cap (TOOLWIRE_MAX_RESPONSE_BYTES) for upstream MCP servers, applied to the bytes they
 * send before anything is parsed: one JSON-RPC message (a stdio line, an SSE event, a JSON body) over
 * the cap is never held whole. Its first and last bytes are kept to find the id of the request it
 * answers, and a JSON-RPC error stands in for it, so that call fails at once with a clear message
 * while the connection (and a stdio server's process) stays up.
 */

/** `error.data.toolwire` of the JSON-RPC error that stands in for an answer over the cap. */
export const RESPONSE_TOO_LARGE = 'response_too_large';
/** Room for the JSON-RPC envelope and SSE framing around a result of exactly the cap. */
const ENVELOPE_BYTES = 4096;
/** Bytes kept from each end of a dropped message: enough for its `jsonrpc`, `id` and first key. */
const EDGE_BYTES = 1024;
/** Error bodies (4xx/5xx) only feed an error message: they are cut here. */
const ERROR_BODY_BYTES = 64 * 1024;

/** Reports a message that was dropped without an id to answer (logged by the connection). */
export type OnDropped = (what: string) => void;

/** The largest message accepted for a result cap of `maxResponseBytes`. */
export function messageLimit(maxResponseBytes: number): number {
  return maxResponseBytes + ENVELOPE_BYTES;
}

function tooLargeMessage(id: RequestId, maxResponseBytes: number): JSONRPCMessage {
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: -32603, // JSON-RPC's internal error (the SDK's ProtocolErrorCode.InternalError), without loading the SDK
      message: `the answer is larger than ${maxResponseBytes} bytes (TOOLWIRE_MAX_RESPONSE_BYTES)`,
      data: { toolwire: RESPONSE_TOO_LARGE, limit: maxResponseBytes },
    },
  };
}

/** Whether a failed request was one whose answer went over the cap; gives the cap. */
export function tooLargeLimit(err: unknown): number | null {
  if (!isProtocolError(err)) return null;
  const data = err.data as { toolwire?: unknown; limit?: unknown } | undefined;
  return data?.toolwire === RESPONSE_TOO_LARGE && typeof data.limit === 'number' ? data.limit : null;
}

const ID = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
const VERSION = String.raw`"jsonrpc"\s*:\s*"2\.0"\s*,\s*`;
/** A response's start: `{"result":` or `{"error":`, maybe after `jsonrpc` and `id` (Python servers put them first). */
const RESPONSE_HEAD = new RegExp(String.raw`^\s*\{\s*(?:${VERSION})?(?:"id"\s*:\s*${ID}\s*,\s*)?(?:${VERSION})?"(?:result|error)"\s*:`);
/**
 * A top-level `"id"` as the last key (the TypeScript SDK writes `{"result":…,"jsonrpc":"2.0","id":7}`):
 * followed by exactly one closing brace, so an `id` inside the result (closed by two or more) never matches.
 */
const ID_TAIL = new RegExp(String.raw`[{,]\s*"id"\s*:\s*${ID}\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$`);

/**
 * The id of the response a dropped message was, from its first and last bytes; undefined when it
 * is not a response (a request or a notification) or its id cannot be told.
 */
export function responseIdOf(head: string, tail: string): RequestId | undefined {
  const start = RESPONSE_HEAD.exec(head);
  if (!start) return undefined;
  const raw = start[1] ?? ID_TAIL.exec(tail)?.[1];
  if (raw === undefined) return undefined;
  return raw.startsWith('"') ? (JSON.parse(raw) as string) : Number(raw);
}

/** Keeps the first and last EDGE_BYTES of a message that is being skipped. */
class Edges {
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  size = 0;

  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.size += bytes.length;
    if (this.head.length < EDGE_BYTES) this.head = Buffer.concat([this.head, bytes.subarray(0, EDGE_BYTES - this.head.length)]);
    const joined = Buffer.concat([this.tail, bytes.length > EDGE_BYTES ? bytes.subarray(bytes.length - EDGE_BYTES) : bytes]);
    this.tail = joined.subarray(Math.max(0, joined.length - EDGE_BYTES));
  }

  text(): { head: string; tail: string; size: number } {
    return { head: this.head.toString('utf8'), tail: this.tail.toString('utf8'), size: this.size };
  }
}

/**
 * A drop-in for the SDK's stdio `ReadBuffer` (same `append`/`readMessage`/`clear`): a line longer than
 * the limit is skipped as it arrives instead of growing the buffer (the SDK's own buffer closes the
 * whole connection at 10 MB, killing the server and every call in flight with it).
 */
export class BoundedReadBuffer {
  private pending: Buffer[] = [];
  private pendingSize = 0;
  private skipping: Edges | null = null;
  private readonly ready: Array<Buffer | JSONRPCMessage> = [];

  constructor(
    private readonly maxResponseBytes: number,
    private readonly onDropped: OnDropped,
  ) {}

  append(chunk: Buffer): void {
    const limit = messageLimit(this.maxResponseBytes);
    let rest = chunk;
    while (rest.length > 0) {
      const newline = rest.indexOf(10);
      const part = newline === -1 ? rest : rest.subarray(0, newline);
      rest = newline === -1 ? Buffer.alloc(0) : rest.subarray(newline + 1);
      if (this.skipping) {
        this.skipping.add(part);
      } else if (this.pendingSize + part.length > limit) {
        this.skipping = new Edges();
        for (const piece of this.pending) this.skipping.add(piece);
        this.skipping.add(part);
        this.pending = [];
        this.pendingSize = 0;
      } else {
        this.pending.push(part);
        this.pendingSize += part.length;
      }
      if (newline !== -1) this.endLine();
    }
  }

  private endLine(): void {
    if (this.skipping) {
      const stand = standIn(this.skipping.text(), this.maxResponseBytes, this.onDropped);
      if (stand) this.ready.push(stand);
      this.skipping = null;
      return;
    }
    this.ready.push(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingSize = 0;
  }

  readMessage(): JSONRPCMessage | null {
    const next = this.ready.shift();
    if (next === undefined) return null;
    if (!Buffer.isBuffer(next)) return next;
    return clientSdk().deserializeMessage(next.toString('utf8').replace(/\r$/, ''));
  }

  clear(): void {
    this.pending = [];
    this.pendingSize = 0;
    this.skipping = null;
    this.ready.length = 0;
  }
}

function standIn(
  edges: { head: string; tail: string; size: number },
  maxResponseBytes: number,
  onDropped: OnDropped,
  fallbackId?: RequestId,
): JSONRPCMessage | null {
  const { head, tail } = edges;
  const id = responseIdOf(head, tail) ?? (fallbackId !== undefined && RESPONSE_HEAD.test(head) ? fallbackId : undefined);
  if (id === undefined) {
    onDropped(
      `a message of ${edges.size} bytes (over the ${maxResponseBytes}-byte cap, TOOLWIRE_MAX_RESPONSE_BYTES) that answers no request of ours was dropped`,
    );
    return null;
  }
  return tooLargeMessage(id, maxResponseBytes);
}

/**
 * Puts a BoundedReadBuffer in place of the SDK stdio transport's read buffer (before it starts).
 * False when the transport has no such buffer (a future SDK): the SDK's own 10 MB buffer limit and
 * the check of each result's size after parsing then remain. The SDK's public `maxBufferSize` is no
 * substitute: it closes the whole connection. The version probe's sibling process keeps the SDK's
 * own buffer; it only reads the small `server/discover` answer.
 */
export function boundStdioReads(transport: Transport, maxResponseBytes: number, onDropped: OnDropped): boolean {
  const target = transport as unknown as { _readBuffer?: { append?: unknown; readMessage?: unknown; clear?: unknown } };
  const current = target._readBuffer;
  if (!current || typeof current.append !== 'function' || typeof current.readMessage !== 'function' || typeof current.clear !== 'function') return false;
  target._readBuffer = new BoundedReadBuffer(maxResponseBytes, onDropped) as unknown as typeof current;
  return true;
}

/** The ids of the requests in a JSON-RPC POST body (the SDK sends one message as a string). */
function requestIds(body: unknown): RequestId[] {
  if (typeof body !== 'string') return [];
  try {
    const parsed = JSON.parse(body) as unknown;
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    return messages.flatMap((m) =>
      m && typeof m === 'object' && 'method' in m && 'id' in m && (typeof m.id === 'string' || typeof m.id === 'number') ? [m.id] : [],
    );
  } catch {
    return [];
  }
}

function mediaType(response: Response): string {
  return (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A response with another body and the original's status, headers, url and redirect flag. */
function withBody(response: Response, body: ConstructorParameters<typeof Response>[0], headers: Headers = response.headers): Response {
  const replaced = new Response(body, { status: response.status, statusText: response.statusText, headers });
  Object.defineProperties(replaced, { url: { value: response.url }, redirected: { value: response.redirected } });
  return replaced;
}

/** Reads a JSON body whole if it stays within `limit`; null (and the rest never read) otherwise. */
async function readWithin(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
}

/** The first `limit` bytes of a stream, then its end (the rest is cancelled). */
function cut(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const room = limit - size;
        if (room > 0) controller.enqueue(chunk.subarray(0, room));
        size += chunk.byteLength;
        if (size >= limit) controller.terminate();
      },
    }),
  );
}

const LF = 10;
const CR = 13;

/**
 * Passes an SSE stream on one complete event at a time, each at most `limit` bytes. A longer event is
 * skipped as it arrives; when it was the answer to a request, an event holding the JSON-RPC error
 * that says so takes its place. The SSE parser downstream never sees more than one event's worth.
 */
function guardSse(maxResponseBytes: number, onDropped: OnDropped, fallbackId: RequestId | undefined): TransformStream<Uint8Array, Uint8Array> {
  const limit = messageLimit(maxResponseBytes);
  let event: Uint8Array[] = [];
  let eventSize = 0;
  let skipping: Edges | null = null;
  let lineLength = 0;
  let previous = -1;
  const encoder = new TextEncoder();
  const keep = (piece: Uint8Array) => {
    if (piece.length === 0) return;
    if (skipping) return skipping.add(piece);
    if (eventSize + piece.length > limit) {
      skipping = new Edges();
      for (const part of event) skipping.add(part);
      skipping.add(piece);
      event = [];
      eventSize = 0;
      return;
    }
    event.push(piece);
    eventSize += piece.length;
  };
  const dispatch = (controller: TransformStreamDefaultController<Uint8Array>) => {
    if (skipping) {
      const stand = standIn(dataEdges(skipping.text()), maxResponseBytes, onDropped, fallbackId);
      if (stand) controller.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(stand)}\n\n`));
      skipping = null;
    } else {
      for (const part of event) controller.enqueue(part);
    }
    event = [];
    eventSize = 0;
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      let start = 0;
      // Next LF and CR at or after i (-1: none left), so long lines are crossed with indexOf, not byte by byte.
      let nextLf = -2;
      let nextCr = -2;
      for (let i = 0; i < chunk.length; ) {
        const byte = chunk[i]!;
        if (byte !== LF && byte !== CR) {
          if (nextLf !== -1 && nextLf < i) nextLf = chunk.indexOf(LF, i);
          if (nextCr !== -1 && nextCr < i) nextCr = chunk.indexOf(CR, i);
          const next = Math.min(nextLf === -1 ? chunk.length : nextLf, nextCr === -1 ? chunk.length : nextCr);
          lineLength += next - i;
          previous = -1;
          i = next;
          continue;
        }
        const afterCr = previous === CR;
        previous = byte;
        // A line ended (CR, LF or CRLF); an empty one ends the event: pass it on, or its stand-in.
        if (!(byte === LF && afterCr)) {
          if (lineLength === 0) {
            keep(chunk.subarray(start, i + 1));
            start = i + 1;
            dispatch(controller);
          }
          lineLength = 0;
        }
        i++;
      }
      keep(chunk.subarray(start));
    },
    flush(controller) {
      if (eventSize > 0 && !skipping) for (const part of event) controller.enqueue(part);
    },
  });
}

/** The edges of a skipped SSE event reduced to its data: after the first `data:`, before the blank line. */
function dataEdges(edges: { head: string; tail: string; size: number }): { head: string; tail: string; size: number } {
  const at = edges.head.search(/(?:^|[\r\n])data:/);
  const head = at === -1 ? edges.head : edges.head.slice(edges.head.indexOf('data:', at) + 5).replace(/^ /, '');
  const tail = edges.tail.replace(/[\r\n]+$/, '').replace(/^[\s\S]*[\r\n]data: ?/, '');
  return { head, tail, size: edges.size };
}

/**
 * A fetch for the SDK's HTTP transports (Streamable HTTP and the older SSE) that holds no upstream
 * message over the cap: JSON answers are read up to the cap (a declared or counted larger one is
 * cancelled and replaced by the JSON-RPC error for its request), SSE streams pass one event at a
 * time (see guardSse), and error bodies are cut at 64 KiB. Redirects are left to the SDK.
 */
export function boundedFetch(maxResponseBytes: number, onDropped: OnDropped, base: FetchLike = fetch): FetchLike {
  const limit = messageLimit(maxResponseBytes);
  return async (url, init) => {
    const response = await base(url, init);
    const body = response.body;
    // No body, a body-less status (Response refuses one for 204/205), or a redirect the SDK handles.
    if (!body || response.status === 204 || response.status === 205 || (response.status >= 300 && response.status < 400)) return response;
    if (!response.ok) return withBody(response, cut(body, ERROR_BODY_BYTES));
    const type = mediaType(response);
    const ids = requestIds(init?.body);
    if (type === 'text/event-stream') return withBody(response, body.pipeThrough(guardSse(maxResponseBytes, onDropped, ids.length === 1 ? ids[0] : undefined)));
    const declared = Number(response.headers.get('content-length'));
    const bytes = declared > limit ? (await body.cancel().catch(() => {}), null) : await readWithin(body, limit);
    if (bytes) return withBody(response, bytes);
    // Over the cap: each request of this POST gets the error instead of an answer.
    if (ids.length === 0) onDropped(`an answer of more than ${maxResponseBytes} bytes (TOOLWIRE_MAX_RESPONSE_BYTES) was dropped`);
    const stands = ids.map((id) => tooLargeMessage(id, maxResponseBytes));
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    headers.set('content-type', 'application/json');
    return withBody(response, JSON.stringify(stands.length === 1 ? stands[0] : stands), headers);
  };
}
