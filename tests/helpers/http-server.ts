import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createApp, type App } from '../../src/app.js';
import { compatRoutes } from '../../src/inbound/compat/index.js';
import { loadConfig } from '../../src/config.js';
import { startHttpServer, type ExtraRoute, type HttpOptions } from '../../src/inbound/http/server.js';
import type { SignInDeps } from '../../src/inbound/connect/sign-in-deps.js';
import { createLog } from '../../src/core/log.js';
import { CLI } from './cli.js';

export interface RunningServer {
  child: ChildProcess;
  url: string;
  token: string;
  stdout: () => string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `toolwire serve --http` on port 0 and reads the URL and token it prints. */
export async function startServer(args: string[], env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // A test worker that ends without stop() (a timeout, a failed beforeAll) must not leave the server running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  const deadline = Date.now() + 20_000;
  while (!/MCP URL:\s+(\S+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${err}${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    url: /MCP URL:\s+(\S+)/.exec(out)![1]!,
    token: /Bearer token:\s+(\S+)/.exec(out)?.[1] ?? '',
    stdout: () => out,
    stderr: () => err,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** toolwire's HTTP server started in this process, so a test can read its app (catalog, store) and its log. */
export interface InProcessServer {
  app: App;
  /** `http://127.0.0.1:PORT` (no path). */
  base: string;
  /** The MCP URL, `${base}/mcp`. */
  url: string;
  token: string;
  /** Every log line the app wrote, at every level. */
  logLines: string[];
  /** The OAuth 2 sign-in as the server wired it (with its callback URL). */
  signIn: SignInDeps;
  close(): Promise<void>;
}

/**
 * `serve --http` in-process on 127.0.0.1:0, with the routes the command mounts (the compatibility APIs of
 * SPEC §9) unless `extraRoutes` says otherwise. `env` goes to loadConfig (TOOLWIRE_DB, TOOLWIRE_SECRET_KEY…).
 */
export async function startInProcess(
  env: Record<string, string>,
  options: { extraRoutes?: ExtraRoute[]; token?: string; connect?: HttpOptions['connect']; now?: () => number } = {},
): Promise<InProcessServer> {
  const logLines: string[] = [];
  // Every line is captured whatever TOOLWIRE_LOG_LEVEL says, so a test can search them all for secrets.
  const app = await createApp(
    loadConfig(env),
    createLog('debug', (line) => void logLines.push(line)),
    options.now ? { now: options.now } : {},
  );
  await app.registry.load(); // as `serve --http` does before serving
  const token = options.token ?? `tw_test_${randomBytes(16).toString('hex')}`; // 40 characters: toolwire refuses tokens under 32
  const http: HttpOptions = { host: '127.0.0.1', port: 0, stateless: false, noAuth: false, token, ...(options.connect ? { connect: options.connect } : {}) };
  const running = await startHttpServer(app, http, options.extraRoutes ?? compatRoutes());
  return {
    app,
    base: running.url.replace(/\/mcp$/, ''),
    url: running.url,
    token,
    logLines,
    signIn: running.signIn,
    async close() {
      await running.close(1_000);
      await app.close();
    },
  };
}
