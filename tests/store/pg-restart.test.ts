import { describe, expect, it } from 'vitest';
import { createPgDriver } from '../../src/store/pg-driver.js';
import { isUnreachable } from '../../src/store/sql-errors.js';
import { privateServer } from '../helpers/postgres.js';

// A server of this file's own: the test stops and starts it under a live pool.
const server = await privateServer();

describe('createPgDriver with the server stopped and started again', () => {
  it('fails fast with an unreachable error, then the same pool answers again, and nothing crashed', async () => {
    const idleErrors: Error[] = [];
    const db = await createPgDriver(server.url, { poolSize: 3, onIdleError: (e) => idleErrors.push(e) });
    try {
      await db.exec('CREATE TABLE t (x integer)');
      // Several idle connections in the pool, so the stop breaks them.
      await Promise.all([1, 2, 3].map((x) => db.run('INSERT INTO t (x) SELECT ? FROM pg_sleep(0.05)', [x])));
      await server.stop();
      // Fails rather than hangs: a refused connection at once, a silent one after the pool's 2 s connect timeout.
      const err = await db.get('SELECT 1 AS one').catch((e: unknown) => e);
      expect(isUnreachable(err)).toBe(true);
      const txErr = await db.transaction((tx) => tx.run('INSERT INTO t (x) VALUES (9)')).catch((e: unknown) => e);
      expect(isUnreachable(txErr)).toBe(true);
      await server.start();
      expect(await db.get('SELECT COUNT(*) AS n FROM t')).toEqual({ n: 3 });
      expect(await db.transaction((tx) => tx.run('INSERT INTO t (x) VALUES (4)'))).toEqual({ changes: 1 });
      expect(idleErrors.every((e) => isUnreachable(e))).toBe(true);
    } finally {
      await db.close();
    }
  });
});
