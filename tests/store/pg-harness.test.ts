import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_DIR_PREFIX, sweepLeftovers } from '../setup/postgres.js';

/**
 * The sweep of tests/setup/postgres.ts: what a killed run left behind goes, what a live run owns stays.
 * The "postmaster" here is a `sleep` this test starts, so SIGQUIT reaches only a process of ours.
 */

const made: string[] = [];
afterAll(() => {
  for (const dir of made) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.json`, { force: true });
  }
});

function folder(record: { owner: number } | null, postmasterPid?: number): string {
  const dir = mkdtempSync(join('/tmp', PG_DIR_PREFIX));
  made.push(dir);
  if (record) writeFileSync(`${dir}.json`, JSON.stringify({ ...record, ownerStart: null, dir }));
  if (postmasterPid !== undefined) writeFileSync(join(dir, 'postmaster.pid'), `${postmasterPid}\n${dir}\n`);
  return dir;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('sweepLeftovers', () => {
  it('stops the server of a run that is gone and removes its folder; leaves a live run and a foreign server alone', async () => {
    const gone = await deadPid();
    const fakePostmaster = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => fakePostmaster.once('exit', (_code, signal) => resolve(signal)));
    const foreign = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const leftover = folder({ owner: gone }, fakePostmaster.pid);
      const emptyLeftover = folder({ owner: gone });
      const noRecord = folder(null);
      const live = folder({ owner: process.pid });
      const notOurs = folder(null, foreign.pid);

      await sweepLeftovers();

      expect(await exited).toBe('SIGQUIT');
      expect([leftover, emptyLeftover, noRecord].map((d) => existsSync(d) || existsSync(`${d}.json`))).toEqual([false, false, false]);
      expect(existsSync(live) && existsSync(`${live}.json`)).toBe(true);
      expect(existsSync(notOurs)).toBe(true);
      expect(foreign.exitCode).toBeNull();
      expect(foreign.signalCode).toBeNull();
    } finally {
      fakePostmaster.kill();
      foreign.kill();
    }
  });
});
