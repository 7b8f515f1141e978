import { Agent, request as undiciRequest } from 'undici';
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

/** One pooled keep-alive agent for every upstream: connections are reused across calls. */
export function createHttpSender(options: SendOptions): HttpSender {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 128, pipelining: 1 });
  const retries = options.retries ?? 2;

  async function attempt(request: OutgoingRequest): Promise<UpstreamResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    const headers = request.headers;
    let body: string | null = null;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      if (!('content-type' in headers)) headers['content-type'] = 'application/json';
    }
    try {
      const response = await undiciRequest(requestUrl(request), {
        method: request.method,
        headers,
        body,
        dispatcher: agent,
        signal: controller.signal,
      });
      const declared = Number(response.headers['content-length']);
      if (declared > options.maxResponseBytes) {
        response.body.destroy();
        throw tooLarge(options.maxResponseBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > options.maxResponseBytes) {
          response.body.destroy();
          throw tooLarge(options.maxResponseBytes);
        }
        chunks.push(chunk as Buffer);
      }
      return {
        status: response.statusCode,
        statusText: '',
        headers: response.headers,
        body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      };
    } catch (err) {
      if (err instanceof ToolwireError) throw err;
      if (controller.signal.aborted) {
        throw new ToolwireError('UPSTREAM_TIMEOUT', `The API did not answer within ${options.timeoutMs} ms (TOOLWIRE_TIMEOUT_MS).`);
      }
      const code = (err as NodeJS.ErrnoException).code ?? '';
      throw new ToolwireError('UPSTREAM_NETWORK', `Could not reach the API (${code || (err as Error).message}).`);
    } finally {
      clearTimeout(timer);
    }
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
    close: () => agent.close(),
  };
}

function tooLarge(limit: number): ToolwireError {
  return new ToolwireError(
    'UPSTREAM_TOO_LARGE',
    `The API's answer is larger than ${limit} bytes, the response cap (TOOLWIRE_MAX_RESPONSE_BYTES). Ask for less (a filter or a smaller page), or raise the cap.`,
  );
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
