import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The v2 SDK's HTTP side speaks Web `Request`/`Response`; our server is `node:http` with its guards in
 * front. The SDK's own Node adapter pulls in a web framework, so these two functions stand in. The
 * body is read and parsed once by us and handed over as `parsedBody`: the `Request` carries none.
 */

/**
 * A body-less `Request` for `req`, whose signal aborts when the client goes away before the answer
 * is written: a dropped 2026-07-28 response stream is a cancel of that call (SPEC §10).
 */
export function toWebRequest(req: IncomingMessage, res: ServerResponse): Request {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection before the answer'));
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else headers.set(name, value);
  }
  // The Host was checked before this point (guards.ts); the URL is only read for its path.
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, signal: controller.signal });
}

/** Writes a `Response` to `res`, streaming it (SSE) with backpressure, and stops reading it when the client leaves. */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // The client may have gone before the SDK answered (a cancelled call): then nothing is read at all.
  if (res.destroyed) {
    void reader.cancel().catch(() => {});
    return;
  }
  const stop = () => void reader.cancel().catch(() => {});
  res.once('close', stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      // Waits for room, or for the client to leave: a full buffer whose client went away never drains.
      if (!res.write(value)) await drainedOrClosed(res);
    }
  } catch {
    // The client went away mid-stream: nothing more to write.
  } finally {
    res.off('close', stop);
    res.end();
  }
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
