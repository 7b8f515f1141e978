import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { buildConnector, Client, Dispatcher, Pool } from 'undici';
import { ToolwireError } from '../../core/errors.js';
import { requestUrl, type OutgoingRequest } from './request.js';

/** What came back, body read in full (within the cap). */
export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SendOptions {
  /** TOOLWIRE_TIMEOUT_MS: a deadline for the whole call (connection, answer, redirects and retries), not an idle timer. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Extra attempts for idempotent methods (and requests that never left) on network errors and 502/503/504. */
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
  /** `signal`: the caller's cancel; it aborts the request on the wire and any retry still to come. */
  send(request: OutgoingRequest, signal?: AbortSignal): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/** The sender `createHttpSender` makes: it can also stop the sends in progress (a graceful stop's end). */
export interface StoppableSender extends HttpSender {
  /**
   * Rejects every send still waiting (on an API or in a retry's backoff) with `reason()`, and every
   * later one at once: nothing is sent once the server is stopping. The requests already written are
   * left behind, not aborted (the process is about to exit). Returns how many sends were waiting.
   */
  stop(reason: () => Error): number;
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
const RETRY_STATUS = new Set([502, 503, 504]);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Socket errors that mean the API's side reset the connection. A reset (unlike a clean close) is what
 * a peer sends when data reaches a socket it has already closed, or that it closes without reading:
 * measured here, an API closing idle keep-alive sockets 10 ms after answering reset 4% of the POSTs
 * sent on them, and received none of those; the same API closing with a FIN instead (half-close)
 * processed every request whose connection then closed. So only a reset counts as "never arrived".
 */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** How many times a request that provably never left is sent again on another connection. */
const STALE_RETRIES = 3;

/**
 * Where an exchange failed, which decides what may be sent again and what the message says:
 * - `connect`: no connection was made, nothing was written;
 * - `stale`: a kept-alive connection was reset before any byte of the answer, i.e. the API never read
 *   the request (see RESET_CODES), so it is sent again whatever the method;
 * - `sent`: the request was written and the connection ended before the answer began: it may have
 *   been processed;
 * - `reading`: the answer had begun (status line and headers) when the connection was cut.
 */
export type NetworkPhase = 'connect' | 'stale' | 'sent' | 'reading';

/** A network failure of one exchange, with the phase it happened in. */
export class UpstreamNetworkError extends ToolwireError {
  readonly phase: NetworkPhase;
  /** Set when it happened after a redirect: the request that led there was sent, and answered. */
  afterRedirect = false;
  constructor(phase: NetworkPhase, message: string, cause?: unknown) {
    super('UPSTREAM_NETWORK', message, cause === undefined ? {} : { cause });
    this.name = 'UpstreamNetworkError';
    this.phase = phase;
  }
}

type PoolClass = typeof Pool;
type ClientClass = typeof Client;
let poolClasses: { Pool: PoolClass; Client: ClientClass } | null = null;

/**
 * undici's Pool and Client, loaded on first use and from their own modules: `import 'undici'` loads
 * all of undici (fetch, WebSocket, caches…), about 20 MB of RSS and 100+ ms of start-up; the Pool
 * alone is half.
 */
function loadPool(): { Pool: PoolClass; Client: ClientClass } {
  if (poolClasses) return poolClasses;
  const require = createRequire(import.meta.url);
  try {
    poolClasses = { Pool: require('undici/lib/dispatcher/pool.js') as PoolClass, Client: require('undici/lib/dispatcher/client.js') as ClientClass };
  } catch {
    const undici = require('undici') as { Pool: PoolClass; Client: ClientClass };
    poolClasses = { Pool: undici.Pool, Client: undici.Client };
  }
  return poolClasses;
}

/** One pooled connection (a Client holds one socket at a time with pipelining 1). */
interface Connection {
  socket: Socket | null;
  /** Requests started on the current socket. */
  started: number;
}

/**
 * What one exchange learns about the connection it is written to, filled in when undici starts
 * writing it (`onRequestStart`, called synchronously on the connection's current socket).
 */
interface Probe {
  connection: Connection | null;
  reused: boolean;
  socket: Socket | null;
  bytesRead: number;
}

const PROBE = Symbol('toolwire.probe');
type ProbedOptions = Dispatcher.DispatchOptions & { [PROBE]?: Probe };

/**
 * A Pool whose clients tell each exchange which connection it went out on: whether the socket had
 * carried a request before (a kept-alive one) and how many bytes it had read when this request was
 * written. That is what proves a reset request never reached the API.
 */
function createPool(origin: string, connect: buildConnector.connector | undefined): Pool {
  const { Pool: PoolClass, Client: ClientClass } = loadPool();
  const factory = (url: URL | string, opts: object): Dispatcher => {
    const connection: Connection = { socket: null, started: 0 };
    const inner = (opts as { connect: buildConnector.connector }).connect;
    const tracked: buildConnector.connector = (connectOptions, callback) =>
      inner(connectOptions, (err, socket) => {
        if (!err && socket) {
          connection.socket = socket;
          connection.started = 0;
        }
        (callback as (e: Error | null, s: Socket | null) => void)(err, socket);
      });
    const client = new ClientClass(url, { ...(opts as Client.Options), connect: tracked });
    const dispatch = client.dispatch.bind(client);
    client.dispatch = (options: ProbedOptions, handler) => {
      const probe = options[PROBE];
      if (probe) probe.connection = connection;
      return dispatch(options, handler);
    };
    return client;
  };
  return new PoolClass(origin, {
    connections: 128,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    pipelining: 1,
    factory,
    ...(connect ? { connect } : {}),
  });
}

/**
 * One exchange through undici's dispatch API, as one object: it is the dispatch handler (the body is
 * collected from its callbacks, without the Readable stream and async iterator `pool.request()` would
 * create per call), the probe the pool's client fills in, and the entry the sender's deadline watch
 * holds. One allocation per exchange instead of a handler, a probe and a closure per callback.
 */
class Exchange implements Dispatcher.DispatchHandler, Probe {
  status = 0;
  responseHeaders: UpstreamResponse['headers'] = {};
  chunks: Buffer[] = [];
  size = 0;
  settled = false;
  started = false;
  controller: Dispatcher.DispatchController | null = null;
  // Probe: filled in by the pool's client and onRequestStart.
  connection: Connection | null = null;
  reused = false;
  socket: Socket | null = null;
  bytesRead = 0;
  constructor(
    readonly deadline: number,
    private readonly limits: Exchanges,
    private readonly resolve: (response: UpstreamResponse) => void,
    private readonly reject: (err: ToolwireError) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this);
  }

  /** The caller cancelled: the request is aborted on the wire (a POST the user stopped must not complete later). */
  handleEvent(): void {
    this.stop(cancelled());
  }

  private settle(): void {
    this.settled = true;
    this.limits.unwatch(this);
    this.signal?.removeEventListener('abort', this);
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settle();
    this.reject(asToolwireError(err, this, this.limits.timeoutMs));
  }

  /** Ends the exchange with `err` and stops undici's side of it, now or as soon as it starts. */
  stop(err: ToolwireError): void {
    this.fail(err);
    this.controller?.abort(err);
  }

  /** The deadline passed (called by the sender's deadline watch). */
  expire(): void {
    this.stop(timedOut(this.limits.timeoutMs, this.status, this.size));
  }

  onRequestStart(ctrl: Dispatcher.DispatchController): void {
    this.controller = ctrl;
    if (this.settled) return void ctrl.abort(new Error('The call had already ended.'));
    this.started = true;
    const connection = this.connection;
    if (connection) {
      this.reused = connection.started++ > 0;
      this.socket = connection.socket;
      this.bytesRead = connection.socket?.bytesRead ?? 0;
    }
  }

  onResponseStart(_ctrl: Dispatcher.DispatchController, statusCode: number, headersIn: Record<string, string | string[]>): void {
    this.status = statusCode;
    this.responseHeaders = headersIn as UpstreamResponse['headers'];
    if (Number(headersIn['content-length']) > this.limits.maxResponseBytes) this.stop(tooLarge(this.limits.maxResponseBytes));
  }

  onResponseData(_ctrl: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.limits.maxResponseBytes) this.stop(tooLarge(this.limits.maxResponseBytes));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settle();
    const chunks = this.chunks;
    this.resolve({
      status: this.status,
      statusText: '',
      headers: this.responseHeaders,
      body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
    });
  }

  onResponseError(_ctrl: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }
}

/**
 * The limits every exchange of a sender shares, and its deadline watch: the exchanges in flight, and
 * one timer for the earliest deadline among them. A call costs a Set entry, not a timer of its own
 * (arming and clearing a timer per call, and the timer list Node builds and drops for it, showed in
 * the call path's profile). The timer is re-armed only when it fires with exchanges left, or when an
 * exchange's deadline comes before the one it is armed for (a retry of an older call).
 */
class Exchanges {
  private readonly live = new Set<Exchange>();
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  constructor(
    readonly timeoutMs: number,
    readonly maxResponseBytes: number,
  ) {}

  watch(exchange: Exchange): void {
    this.live.add(exchange);
    if (exchange.deadline < this.armedFor) this.arm(exchange.deadline);
  }

  unwatch(exchange: Exchange): void {
    this.live.delete(exchange);
  }

  /** The exchanges in flight, as a copy (failing one removes it from the set). */
  inFlight(): Exchange[] {
    return [...this.live];
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    // At least 1 ms: the timer may fire a little before Date.now() reaches the deadline; it then re-arms.
    this.timer = setTimeout(() => this.sweep(), Math.max(1, at - Date.now()));
    this.timer.unref(); // like a per-call timer, the watch never keeps the process alive
  }

  private sweep(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const exchange of this.live) {
      if (exchange.deadline <= now)
        exchange.expire(); // expire() removes it from `live`
      else if (exchange.deadline < next) next = exchange.deadline;
    }
    if (next !== Infinity) this.arm(next);
  }
}

/**
 * One keep-alive connection pool per upstream origin, so connections are reused across calls.
 * (undici's Pool.request measured here at about half the CPU of `request(url, { dispatcher })`,
 * which parses the URL and looks the origin up on every call.) The deadline is enforced by one timer
 * per sender over the exchanges in flight (see Exchanges); undici's header/body timers are idle timers
 * and cannot.
 */
export function createHttpSender(options: SendOptions): StoppableSender {
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string) => {
    let pool = pools.get(origin);
    if (!pool) {
      pool = createPool(origin, options.connect);
      pools.set(origin, pool);
    }
    return pool;
  };
  const retries = options.retries ?? 2;
  const { timeoutMs, maxResponseBytes } = options;
  const exchanges = new Exchanges(timeoutMs, maxResponseBytes);
  /** Set by stop(): the error every waiting and later send gets. */
  let stopped: (() => Error) | null = null;
  /** Sends waiting out a retry's backoff (rare): stop() wakes them with its error. */
  const sleeping = new Set<(err: Error) => void>();

  function backoff(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (err: Error) => {
        clearTimeout(timer);
        sleeping.delete(wake);
        reject(err);
      };
      const timer = setTimeout(() => {
        sleeping.delete(wake);
        resolve();
      }, ms);
      sleeping.add(wake);
    });
  }

  /** One exchange: resolves with the answer read in full, or rejects with a ToolwireError (its phase, for network failures). */
  function attempt(request: OutgoingRequest, deadline: number, signal: AbortSignal | undefined): Promise<UpstreamResponse> {
    if (stopped) return Promise.reject(stopped()); // no resend, redirect hop or retry once stopping
    if (signal?.aborted) return Promise.reject(cancelled());
    const headers = request.headers;
    let body: string | null = null;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      if (!('content-type' in headers)) headers['content-type'] = 'application/json';
    }
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const exchange = new Exchange(deadline, exchanges, resolve, reject, signal);
      exchanges.watch(exchange); // a deadline already past expires it on the watch's next tick, as a 0 ms timer did
      const dispatchOptions: ProbedOptions = {
        origin: request.origin,
        path: requestUrl(request).slice(request.origin.length),
        method: request.method,
        headers,
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        [PROBE]: exchange,
      };
      try {
        poolFor(request.origin).dispatch(dispatchOptions, exchange);
      } catch (err) {
        exchange.fail(err);
      }
    });
  }

  /**
   * One exchange, sent again at once (on another connection) while a kept-alive one is reset before
   * the API read it. The first try is a plain promise chain (no async frame per call).
   */
  function sendOnce(request: OutgoingRequest, deadline: number, signal: AbortSignal | undefined, stale = 0): Promise<UpstreamResponse> {
    return attempt(request, deadline, signal).catch((err: unknown) => {
      if (err instanceof UpstreamNetworkError && err.phase === 'stale' && stale < STALE_RETRIES) return sendOnce(request, deadline, signal, stale + 1);
      throw err;
    });
  }

  /**
   * One attempt and the redirects it leads to. undici's redirect interceptor cannot be limited to the
   * same origin, so redirects are followed here: within the origin (scheme, host and port) with every
   * header kept, up to MAX_REDIRECTS hops; to another origin never, so no credential can go there.
   * An answer that is not a redirect (nearly every call) returns without another async step.
   */
  function follow(first: OutgoingRequest, deadline: number, signal: AbortSignal | undefined): Promise<UpstreamResponse> {
    return sendOnce(first, deadline, signal).then((response) =>
      REDIRECT_STATUS.has(response.status) ? followRedirects(first, response, deadline, signal) : response,
    );
  }

  async function followRedirects(
    first: OutgoingRequest,
    firstResponse: UpstreamResponse,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<UpstreamResponse> {
    let request = first;
    let response = firstResponse;
    for (let hop = 0; ; hop++) {
      const next = REDIRECT_STATUS.has(response.status) ? redirectTarget(request, response) : null;
      if (!next) return response;
      if (next.origin !== request.origin) throw crossOrigin(response.status, next.origin);
      if (hop >= MAX_REDIRECTS) throw tooManyRedirects(first.origin);
      request = redirected(request, response.status, next);
      try {
        response = await sendOnce(request, deadline, signal);
      } catch (err) {
        if (err instanceof UpstreamNetworkError) err.afterRedirect = true;
        throw err;
      }
    }
  }

  /** Whether an answer ends the call: anything but a 502/503/504 to an idempotent request that may still be retried. */
  const final = (response: UpstreamResponse, idempotent: boolean) => !idempotent || retries <= 0 || !RETRY_STATUS.has(response.status);

  /** The retry loop of `send`, entered only after a failure or a retryable status. */
  async function retry(
    request: OutgoingRequest,
    deadline: number,
    idempotent: boolean,
    first: Promise<UpstreamResponse>,
    signal: AbortSignal | undefined,
  ): Promise<UpstreamResponse> {
    let failures = 0;
    let pending = first;
    for (;;) {
      let wait: number;
      try {
        const response = await pending;
        if (!idempotent || failures >= retries || !RETRY_STATUS.has(response.status)) return response;
        wait = 100 * 2 ** failures++;
        if (Date.now() + wait >= deadline) return response;
      } catch (err) {
        if (!(err instanceof UpstreamNetworkError)) throw err;
        const neverLeft = (err.phase === 'connect' || err.phase === 'stale') && !err.afterRedirect;
        if (!(idempotent || neverLeft) || failures >= retries) throw err;
        wait = 100 * 2 ** failures++;
        if (Date.now() + wait >= deadline) throw err;
      }
      await backoff(wait);
      pending = follow(request, deadline, signal);
    }
  }

  return {
    /**
     * Sends with retries: an idempotent method after a network error or a 502/503/504 (with backoff);
     * any method when the request provably never left — no connection was made, or a kept-alive
     * connection was reset before the API read it (sent again at once, on another connection). All
     * within one deadline.
     */
    send(request, signal) {
      if (stopped) return Promise.reject(stopped());
      const deadline = Date.now() + timeoutMs;
      const idempotent = IDEMPOTENT.has(request.method);
      let first: Promise<UpstreamResponse>;
      try {
        first = follow(request, deadline, signal);
      } catch (err) {
        return Promise.reject(err); // a body JSON cannot serialize: a rejection, as from an async function
      }
      return first.then(
        (response) => (final(response, idempotent) ? response : retry(request, deadline, idempotent, first, signal)),
        () => retry(request, deadline, idempotent, first, signal),
      );
    },
    stop(reason) {
      stopped = reason;
      let waiting = 0;
      // fail(), not stop(): the exchange's promise is rejected, the request on the wire is left alone.
      for (const exchange of exchanges.inFlight()) {
        exchange.fail(reason());
        waiting++;
      }
      for (const wake of [...sleeping]) {
        wake(reason());
        waiting++;
      }
      return waiting;
    },
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}

/** What an exchange had reached when it failed. */
interface ExchangeState extends Probe {
  started: boolean;
  status: number;
  size: number;
}

/** Sorts an undici or socket error into a phase (see NetworkPhase), with a message that says what the API may have done. */
function asToolwireError(err: unknown, state: ExchangeState, timeoutMs: number): ToolwireError {
  if (err instanceof ToolwireError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (TIMEOUT_CODES.has(code)) return timedOut(timeoutMs, state.status, state.size);
  const what = code || (err as Error).message;
  // A request undici refuses to send (an invalid header value…) would be refused again: not retried.
  if (code === 'UND_ERR_INVALID_ARG')
    return new ToolwireError('UPSTREAM_NETWORK', `Could not send the request to the API (${(err as Error).message}).`, { cause: err });
  if (!state.started) return new UpstreamNetworkError('connect', `Could not reach the API (${what}).`, err);
  if (state.status !== 0) {
    return new UpstreamNetworkError(
      'reading',
      `The connection was cut while reading the API's answer (${what}): it had answered ${state.status} and sent ${state.size} bytes of the body. The request reached the API and may have been processed; the answer is incomplete.`,
      err,
    );
  }
  const nothingRead = state.socket !== null && state.socket.bytesRead === state.bytesRead;
  if (state.reused && nothingRead && RESET_CODES.has(code)) {
    return new UpstreamNetworkError(
      'stale',
      `The API reset a kept-alive connection before it read the request (${what}), so the request did not reach it; sending it again on other connections failed the same way. Check that the API is up.`,
      err,
    );
  }
  return new UpstreamNetworkError(
    'sent',
    `The connection to the API closed before it answered (${what}). The request was sent and may have been processed.`,
    err,
  );
}

function cancelled(): ToolwireError {
  return new ToolwireError('CANCELLED', 'The call was cancelled by the client; the request to the API was aborted.');
}

/** The deadline passed: before the answer began, or while its body was still arriving. */
function timedOut(timeoutMs: number, status: number, size: number): ToolwireError {
  if (status === 0) {
    return new ToolwireError(
      'UPSTREAM_TIMEOUT',
      `The API did not answer within ${timeoutMs} ms (TOOLWIRE_TIMEOUT_MS, a deadline for the whole call): it timed out after ${timeoutMs} ms.`,
    );
  }
  return new ToolwireError(
    'UPSTREAM_TIMEOUT',
    `The call timed out after ${timeoutMs} ms (TOOLWIRE_TIMEOUT_MS, a deadline for the whole call): the API had answered ${status} but sent only ${size} bytes of its answer by then. The request was processed; the answer was abandoned.`,
  );
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
    query: withCredential([...target.searchParams], request.queryCredential),
    headers,
    body: toGet ? undefined : request.body,
    ...(request.queryCredential ? { queryCredential: request.queryCredential } : {}),
  };
}

/** A Location rarely repeats the API key of the query string; the same origin gets it as the first request did. */
function withCredential(query: Array<[string, string]>, credential: [string, string] | undefined): Array<[string, string]> {
  if (!credential) return query;
  return [...query.filter(([key]) => key !== credential[0]), credential];
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
