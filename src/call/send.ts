import { createRequire } from 'node:module';
import type { buildConnector, Dispatcher, Pool } from 'undici';
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
  /**
   * The socket connector of every pool (TOOLWIRE_BLOCK_PRIVATE's guarded connector): it runs once per
   * new connection, so keep-alive reuse costs nothing. Absent = undici's default.
   */
  connect?: buildConnector.connector;
}

/** SPEC §15: same-origin redirects are followed up to this many hops; cross-origin ones never. */
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

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
      pool = new PoolClass(origin, {
        connections: 128,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        pipelining: 1,
        ...(options.connect ? { connect: options.connect } : {}),
      });
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

  /**
   * One attempt and the redirects it leads to. undici's redirect interceptor cannot be limited to the
   * same origin, so redirects are followed here: within the origin (scheme, host and port) with every
   * header kept, up to MAX_REDIRECTS hops; to another origin never, so no credential can go there.
   */
  async function follow(first: OutgoingRequest): Promise<UpstreamResponse> {
    let request = first;
    for (let hop = 0; ; hop++) {
      const response = await attempt(request);
      const next = REDIRECT_STATUS.has(response.status) ? redirectTarget(request, response) : null;
      if (!next) return response;
      if (next.origin !== request.origin) throw crossOrigin(response.status, next.origin);
      if (hop >= MAX_REDIRECTS) throw tooManyRedirects(first.origin);
      request = redirected(request, response.status, next);
    }
  }

  return {
    async send(request) {
      const canRetry = IDEMPOTENT.has(request.method);
      for (let attemptNo = 0; ; attemptNo++) {
        try {
          const response = await follow(request);
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

/** Where a redirect points, or null when it has no usable `Location` (then the 3xx is the answer). */
function redirectTarget(request: OutgoingRequest, response: UpstreamResponse): URL | null {
  const raw = response.headers['location'];
  const location = Array.isArray(raw) ? raw[0] : raw;
  if (!location) return null;
  try {
    const target = new URL(location, requestUrl(request));
    return target.protocol === 'http:' || target.protocol === 'https:' ? target : null;
  } catch {
    return null;
  }
}

/** Headers that describe a body, dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/**
 * The next request of a same-origin redirect, by fetch's rules: 303 (and 301/302 after a POST) goes
 * on as a GET without a body; 307 and 308 repeat the method and body. Every header stays: the target
 * is the same origin the credentials were meant for.
 */
function redirected(request: OutgoingRequest, status: number, target: URL): OutgoingRequest {
  const toGet = (status === 303 && request.method !== 'GET') || ((status === 301 || status === 302) && request.method === 'POST');
  const headers = { ...request.headers };
  if (toGet) for (const name of BODY_HEADERS) delete headers[name];
  return {
    method: toGet ? 'GET' : request.method,
    origin: request.origin,
    url: `${target.origin}${target.pathname}`,
    query: [...target.searchParams],
    headers,
    body: toGet ? undefined : request.body,
  };
}

function crossOrigin(status: number, target: string): ToolwireError {
  return new ToolwireError(
    'UPSTREAM_STATUS',
    `The API answered ${status} redirecting to ${target}, another origin (scheme, host or port) than the provider's; toolwire follows redirects only within the same origin, so nothing was sent to ${target} and no credential left for it. If the API now lives there, set the provider's baseUrl to ${target}.`,
  );
}

function tooManyRedirects(origin: string): ToolwireError {
  return new ToolwireError(
    'UPSTREAM_STATUS',
    `The API at ${origin} redirected more than ${MAX_REDIRECTS} times; toolwire stops there. Check the tool's endpointPath and the provider's baseUrl (a redirect loop, or a path that needs a trailing slash).`,
  );
}

function tooLarge(limit: number): ToolwireError {
  return new ToolwireError(
    'UPSTREAM_TOO_LARGE',
    `The API's answer is larger than ${limit} bytes, the response cap (TOOLWIRE_MAX_RESPONSE_BYTES). Ask for less (a filter or a smaller page), or raise the cap.`,
  );
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
