import { spawn, type ChildProcess } from 'node:child_process';
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
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!/MCP URL:\s+(\S+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${err}${out}`);
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
