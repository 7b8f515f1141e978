import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tempDir, testEnv } from '../helpers/app.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';

/** One answer, the body kept as text so tests can search it for secrets. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface CompatHarness {
  server: InProcessServer;
  env: Record<string, string>;
  /** Every response body sent, for the "no secret ever leaves" checks. */
  bodies: string[];
  /** A request with the server's bearer token unless `headers` brings its own authorization. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** The database file and its WAL as text, to search for plaintext secrets. */
  databaseBytes(): string;
  close(): Promise<void>;
}

/** toolwire's real HTTP server (in this process, fresh database) with the compatibility routes mounted. */
export async function startCompat(extraEnv: Record<string, string> = {}): Promise<CompatHarness> {
  const dir = tempDir();
  const env = testEnv(dir, extraEnv);
  const server = await startInProcess(env);
  const bodies: string[] = [];
  return {
    server,
    env,
    bodies,
    async call(method, path, body, headers = { authorization: `Bearer ${server.token}` }) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const response = await fetch(`${server.base}${path}`, init);
      const text = await response.text();
      bodies.push(text);
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    databaseBytes() {
      const db = env.TOOLWIRE_DB as string;
      return [db, `${db}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('\n');
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { leaked } from '../admin/harness.js';
