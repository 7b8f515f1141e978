import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpProvider } from '../../src/core/model.js';

/** A request as the token endpoint received it. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply = (req: Received, res: ServerResponse) => void;

export interface TokenServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  requests: Received[];
  /** Sets how the endpoint answers from now on (default: 200 `{"access_token":"tok-N"}`). */
  reply(handler: Reply): void;
  reset(): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function text(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/** A real token endpoint on 127.0.0.1, port 0, recording every request it receives. */
export async function startTokenServer(): Promise<TokenServer> {
  const requests: Received[] = [];
  const defaultReply: Reply = (_req, res) => json(res, 200, { access_token: `tok-${requests.length}` });
  let handler = defaultReply;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      handler(received, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    reply(next) {
      handler = next;
    },
    reset() {
      requests.length = 0;
      handler = defaultReply;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let nextId = 1;

/** A dynamic-auth provider with every field a real one has; tests override what they exercise. */
export function provider(overrides: Partial<HttpProvider> = {}): HttpProvider {
  return {
    id: nextId++,
    rateLimit: null,
    maxResultTokens: null,
    fenceUpstreamText: false,
    name: 'Test API',
    code: 'testapi',
    baseUrl: 'https://api.example.test',
    authenticationType: 'BEARER_TOKEN',
    apiKeyLocation: 'HEADER',
    apiKeyName: 'Authorization',
    apiKeyValue: null,
    isExportable: true,
    customHeaders: {},
    isDynamicAuth: true,
    dynamicAuthUrl: null,
    dynamicAuthMethod: null,
    dynamicAuthPayload: null,
    dynamicAuthPayloadType: null,
    dynamicAuthPayloadLocation: null,
    dynamicAuthTokenExtractionPath: '$.access_token',
    dynamicAuthInvalidationKeywords: null,
    enabled: true,
    credentialMode: 'shared',
    oauth: null,
    kind: 'http',
    toolMode: 'direct',
    userId: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** An unsigned JWT with the given claims (the manager reads `exp` without verifying). */
export function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}
