import { createRequire } from 'node:module';
import type { Dispatcher, Pool } from 'undici';
import { ToolwireError } from '../errors.js';
import { requestUrl, type OutgoingRequest } from './request.js';

/** What came back, body read in full (within the cap). */
export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SendOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  /** Extra attempts for idempotent methods on network errors and 502/503/504. */
  retries?: number;
}

export interface HttpSender {
  send(request: OutgoingRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
const RETRY_STATUS = new Set([502, 503, 504]);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

type PoolClass = typeof Pool;
let poolClass: PoolClass | null = null;

/**
 * undici's Pool, loaded on first use and from its own module: `import 'undici'` loads all of undici
 * (fetch, WebSocket, caches…), about 20 MB of RSS and 100+ ms of start-up; the Pool alone is half.
 */
function loadPool(): PoolClass {
  if (poolClass) return poolClass;
  const require = createRequire(import.meta.url);
  try {
    poolClass = require('undici/lib/dispatcher/pool.js') as PoolClass;
  } catch {
    poolClass = (require('undici') as { Pool: PoolClass }).Pool;
  }
  return poolClass;
}

/**
 * One keep-alive connection pool per upstream origin, so connections are reused across calls.
 * (undici's Pool.request measured here at about half the CPU of `request(url, { dispatcher })`,
 * which parses the URL and looks the origin up on every call.) The timeout is undici's own
 * header/body timers plus a deadline checked while the body streams in: no timer per call.
 */
export function createHttpSender(options: SendOptions): HttpSender {
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string) => {
    let pool = pools.get(origin);
    if (!pool) {
      const PoolClass = loadPool();
      pool = new PoolClass(origin, { connections: 128, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, pipelining: 1 });
      pools.set(origin, pool);
    }
    return pool;
  };
  const retries = options.retries ?? 2;
  const timeout = () => new ToolwireError('UPSTREAM_TIMEOUT', `The API did not answer within ${options.timeoutMs} ms (TOOLWIRE_TIMEOUT_MS).`);

  /**
   * One exchange through undici's dispatch API: the body is collected from the handler's callbacks,
   * without the Readable stream and async iterator `pool.request()` would create per call.
   */
  function attempt(request: OutgoingRequest): Promise<UpstreamResponse> {
    const deadline = Date.now() + options.timeoutMs;
    const headers = request.headers;
    let body: string | null = null;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      if (!('content-type' in headers)) headers['content-type'] = 'application/json';
    }
    return new Promise<UpstreamResponse>((resolve, reject) => {
      let status = 0;
      let responseHeaders: UpstreamResponse['headers'] = {};
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(asToolwireError(err, timeout));
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart() {}, // its presence tells undici this handler speaks the controller API
        onResponseStart(controller, statusCode, headersIn) {
          status = statusCode;
          responseHeaders = headersIn as UpstreamResponse['headers'];
          if (Number(headersIn['content-length']) > options.maxResponseBytes) {
            fail(tooLarge(options.maxResponseBytes));
            controller.abort(tooLarge(options.maxResponseBytes));
          }
        },
        onResponseData(controller, chunk) {
          size += chunk.length;
          if (size > options.maxResponseBytes) {
            fail(tooLarge(options.maxResponseBytes));
            controller.abort(tooLarge(options.maxResponseBytes));
          } else if (Date.now() > deadline) {
            fail(timeout());
            controller.abort(timeout());
          } else {
            chunks.push(chunk);
          }
        },
        onResponseEnd() {
          if (settled) return;
          settled = true;
          resolve({
            status,
            statusText: '',
            headers: responseHeaders,
            body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
          });
        },
        onResponseError(_controller, err) {
          fail(err);
        },
      };
      try {
        poolFor(request.origin).dispatch(
          {
            origin: request.origin,
            path: requestUrl(request).slice(request.origin.length),
            method: request.method,
            headers,
            body,
            headersTimeout: options.timeoutMs,
            bodyTimeout: options.timeoutMs,
          },
          handler,
        );
      } catch (err) {
        fail(err);
      }
    });
  }

  return {
    async send(request) {
      const canRetry = IDEMPOTENT.has(request.method);
      for (let attemptNo = 0; ; attemptNo++) {
        try {
          const response = await attempt(request);
          if (canRetry && attemptNo < retries && RETRY_STATUS.has(response.status)) {
            await delay(100 * 2 ** attemptNo);
            continue;
          }
          return response;
        } catch (err) {
          const retryable = err instanceof ToolwireError && err.code === 'UPSTREAM_NETWORK';
          if (!canRetry || !retryable || attemptNo >= retries) throw err;
          await delay(100 * 2 ** attemptNo);
        }
      }
    },
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}

function asToolwireError(err: unknown, timeout: () => ToolwireError): ToolwireError {
  if (err instanceof ToolwireError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (TIMEOUT_CODES.has(code)) return timeout();
  return new ToolwireError('UPSTREAM_NETWORK', `Could not reach the API (${code || (err as Error).message}).`);
}

function tooLarge(limit: number): ToolwireError {
  return new ToolwireError(
    'UPSTREAM_TOO_LARGE',
    `The API's answer is larger than ${limit} bytes, the response cap (TOOLWIRE_MAX_RESPONSE_BYTES). Ask for less (a filter or a smaller page), or raise the cap.`,
  );
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
