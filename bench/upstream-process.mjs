// The upstream in a child process: its URL, its counters (calls, credential rejects), its pid.
import { fork } from 'node:child_process';

export async function forkUpstream(token) {
  const child = fork(new URL('./upstream.mjs', import.meta.url).pathname, [], {
    env: { ...process.env, BENCH_UPSTREAM_TOKEN: token },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise((resolve, reject) => {
    child.once('message', (msg) => (msg.type === 'ready' ? resolve(msg.url) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (msg) => resolve(msg.stats));
        child.send('stats');
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
