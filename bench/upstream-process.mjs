// Bench helpers in child processes (so their CPU is not the load generator's): each says
// {type: 'ready', url} once listening and answers a query message with {[query]: …}.
import { fork } from 'node:child_process';

/** Forks `script` (relative to bench/), waits for its URL; `ask()` sends `query` and resolves with its answer. */
export async function forkChild(script, { args = [], env = process.env, query }) {
  const child = fork(new URL(script, import.meta.url).pathname, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    child.once('message', (msg) => (msg.type === 'ready' ? resolve(msg.url) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid,
    ask: () =>
      new Promise((resolve) => {
        child.once('message', (msg) => resolve(msg[query]));
        child.send(query);
      }),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** The upstream: its URL, its counters (calls, credential rejects) from `stats()`, its pid. */
export async function forkUpstream(token) {
  const child = await forkChild('./upstream.mjs', { env: { ...process.env, BENCH_UPSTREAM_TOKEN: token }, query: 'stats' });
  return { ...child, stats: child.ask };
}
