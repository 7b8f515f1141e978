import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { type EmbeddedServer, startEmbeddedServer } from '../setup/postgres.js';

/**
 * PostgreSQL for a test file: a database of its own in the run's server (tests/setup/postgres.ts), or a
 * private server for a file that stops and starts it. Files run in parallel without sharing rows.
 */

/** The run's server, as a superuser URL (its `postgres` database). */
export function serverUrl(): string {
  return inject('toolwirePgUrl');
}

/** The URL of the same server with another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A new empty database `t_<random>` for this file, dropped after the file's tests (connections still open
 * are ended). Call it at the top level of the file, `const url = await freshDatabase();`: it registers its
 * afterAll, which vitest accepts only while it collects the file (not inside a test or another hook).
 */
export async function freshDatabase(base: string = serverUrl()): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  let created = false;
  afterAll(async () => {
    if (created) await admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  await admin(base, `CREATE DATABASE ${name}`);
  created = true;
  return withDatabase(base, name);
}

/** Runs one statement as the server's superuser, on its own connection. */
export async function admin(url: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {}); // a stop while connected must not crash the worker
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A server of this file's own, which it may stop() and start() under a running app (database down,
 * several instances); closed after the file's tests. Costs an initdb (about 1–1.5 s): use it only for that.
 * Its URL points at its `postgres` database; freshDatabase(server.url) makes more. Top level of the file
 * only, as freshDatabase.
 */
export async function privateServer(): Promise<EmbeddedServer> {
  let server: EmbeddedServer | undefined;
  afterAll(() => server?.close());
  server = await startEmbeddedServer();
  return server;
}
