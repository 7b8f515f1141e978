import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tempDir, testEnv } from '../helpers/app.js';
import { fetchJson, type JsonAnswer } from '../helpers/fetch-json.js';
import { startInProcess, type InProcessServer } from '../helpers/http-server.js';

/** One answer, the body kept as text so tests can search it for secrets. */
export type Answer = JsonAnswer;

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
      const answer = await fetchJson(`${server.base}${path}`, method, body, headers);
      bodies.push(answer.text);
      return answer;
    },
    databaseBytes() {
      const db = env.TOOLWIRE_DB as string;
      return [db, `${db}-wal`]
        .filter(existsSync)
        .map((f) => readFileSync(f).toString('latin1'))
        .join('\n');
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { leaked } from '../admin/harness.js';
