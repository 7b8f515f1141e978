import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDriver } from '../../src/store/driver.js';
import { migratePostgres } from '../../src/store/migrate-postgres.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { createPgDriver } from '../../src/store/pg-driver.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * SQLite after all its migrations and PostgreSQL after its own must be the same schema (tables, columns
 * in order, types, nullability, defaults, indexes and unique constraints, foreign keys) and their triggers
 * must do the same: registry_version bumps, tool revisions from tool_seq, tools_removed. On PostgreSQL a
 * committed transaction that changed the registry sends one notification; a rollback or an audit write none.
 */

const url = await freshDatabase();

interface Column {
  name: string;
  type: 'integer' | 'text' | 'real';
  nullable: boolean;
  default: string | null;
}
interface Index {
  columns: string;
  unique: boolean;
  partial: boolean;
}
interface ForeignKey {
  columns: string;
  references: string;
  onDelete: string;
}
interface Schema {
  columns: Record<string, Column[]>;
  /** Every index, primary key and unique constraint, by what it covers (names differ for constraints). */
  indexes: Record<string, Index[]>;
  /** The indexes created by name (CREATE INDEX), which both must name the same. */
  named: Record<string, Index & { table: string }>;
  foreignKeys: Record<string, ForeignKey[]>;
}

const byKey = <T>(list: T[]) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

function sqliteSchema(raw: BetterSqlite3.Database): Schema {
  const schema: Schema = { columns: {}, indexes: {}, named: {}, foreignKeys: {} };
  const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const family = (t: string): Column['type'] => (t === 'INTEGER' ? 'integer' : t === 'REAL' ? 'real' : 'text');
  for (const table of tables) {
    const info = raw.pragma(`table_info(${table})`) as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    schema.columns[table] = info.map((c) => ({ name: c.name, type: family(c.type), nullable: c.notnull === 0 && c.pk === 0, default: c.dflt_value }));
    const indexes: Index[] = [];
    const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    if (pk.length > 0) indexes.push({ columns: pk.map((c) => c.name).join(','), unique: true, partial: false });
    for (const ix of raw.pragma(`index_list(${table})`) as { name: string; unique: number; origin: string; partial: number }[]) {
      const columns = (raw.pragma(`index_info(${ix.name})`) as { seqno: number; name: string }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name)
        .join(',');
      const index = { columns, unique: ix.unique === 1, partial: ix.partial === 1 };
      if (ix.origin === 'pk') continue; // listed from table_info above
      indexes.push(index);
      if (ix.origin === 'c') schema.named[ix.name] = { table, ...index };
    }
    schema.indexes[table] = byKey(indexes);
    const fks = raw.pragma(`foreign_key_list(${table})`) as { id: number; seq: number; table: string; from: string; to: string; on_delete: string }[];
    const grouped = new Map<number, typeof fks>();
    for (const fk of fks) grouped.set(fk.id, [...(grouped.get(fk.id) ?? []), fk]);
    schema.foreignKeys[table] = byKey(
      [...grouped.values()].map((parts) => {
        const sorted = parts.sort((a, b) => a.seq - b.seq);
        return {
          columns: sorted.map((p) => p.from).join(','),
          references: `${sorted[0]!.table}(${sorted.map((p) => p.to).join(',')})`,
          onDelete: sorted[0]!.on_delete.toUpperCase(),
        };
      }),
    );
  }
  return schema;
}

async function postgresSchema(db: SqlDriver): Promise<Schema> {
  const schema: Schema = { columns: {}, indexes: {}, named: {}, foreignKeys: {} };
  const columns = await db.all<{ table_name: string; column_name: string; is_nullable: string; data_type: string; column_default: string | null }>(
    `SELECT table_name, column_name, is_nullable, data_type, column_default FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position`,
  );
  const family = (t: string): Column['type'] => (t === 'integer' || t === 'bigint' ? 'integer' : t === 'double precision' ? 'real' : 'text');
  for (const c of columns) {
    (schema.columns[c.table_name] ??= []).push({
      name: c.column_name,
      type: family(c.data_type),
      nullable: c.is_nullable === 'YES',
      default: c.column_default === null ? null : c.column_default.replace(/::[a-z ]+$/, ''),
    });
  }
  const attnames = (rel: string, keys: string) =>
    `array_to_string(ARRAY(SELECT a.attname FROM unnest(${keys}) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum ORDER BY k.n), ',')`;
  const indexes = await db.all<{ table: string; name: string; unique: boolean; primary: boolean; partial: boolean; columns: string; constraint: boolean }>(
    `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary, ix.indpred IS NOT NULL AS partial,
       ${attnames('t.oid', 'ix.indkey::int2[]')} AS columns,
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) AS constraint
     FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
     JOIN pg_namespace ns ON ns.oid = t.relnamespace
     WHERE ns.nspname = current_schema() AND t.relname <> 'schema_version'`,
  );
  for (const ix of indexes) {
    const index = { columns: ix.columns, unique: ix.unique, partial: ix.partial };
    (schema.indexes[ix.table] ??= []).push(index);
    if (!ix.constraint) schema.named[ix.name] = { table: ix.table, ...index };
  }
  for (const table of Object.keys(schema.indexes)) schema.indexes[table] = byKey(schema.indexes[table]!);
  const fks = await db.all<{ table: string; columns: string; ref: string; ref_columns: string; on_delete: string }>(
    `SELECT c.conrelid::regclass::text AS table, c.confrelid::regclass::text AS ref, c.confdeltype AS on_delete,
       ${attnames('c.conrelid', 'c.conkey')} AS columns, ${attnames('c.confrelid', 'c.confkey')} AS ref_columns
     FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace
     WHERE c.contype = 'f' AND ns.nspname = current_schema()`,
  );
  const actions: Record<string, string> = { a: 'NO ACTION', c: 'CASCADE', n: 'SET NULL', r: 'RESTRICT', d: 'SET DEFAULT' };
  for (const table of Object.keys(schema.columns)) schema.foreignKeys[table] = [];
  for (const fk of fks)
    schema.foreignKeys[fk.table]!.push({ columns: fk.columns, references: `${fk.ref}(${fk.ref_columns})`, onDelete: actions[fk.on_delete]! });
  for (const table of Object.keys(schema.foreignKeys)) schema.foreignKeys[table] = byKey(schema.foreignKeys[table]!);
  return schema;
}

/** The statements the trigger checks run: the same text on both, `?` placeholders. */
interface Target {
  name: string;
  run(sql: string, params?: unknown[]): Promise<void>;
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
}

let raw: BetterSqlite3.Database;
let db: SqlDriver;
let targets: Target[];

beforeAll(async () => {
  raw = new BetterSqlite3(':memory:');
  raw.pragma('foreign_keys = ON');
  for (const migration of MIGRATIONS) raw.exec(migration);
  db = await createPgDriver(url, { poolSize: 4 });
  await migratePostgres(db);
  targets = [
    {
      name: 'sqlite',
      run: async (sql, params = []) => void raw.prepare(sql).run(...params),
      get: async <T>(sql: string, params: unknown[] = []) => raw.prepare(sql).get(...params) as T | undefined,
    },
    { name: 'postgres', run: async (sql, params = []) => void (await db.run(sql, params)), get: (sql, params = []) => db.get(sql, params) },
  ];
});
afterAll(async () => {
  raw?.close();
  await db?.close();
});

describe('schema parity (SQLite and PostgreSQL after every migration)', () => {
  let sqlite: Schema;
  let postgres: Schema;
  beforeAll(async () => {
    sqlite = sqliteSchema(raw);
    postgres = await postgresSchema(db);
  });

  it('has the same tables and columns, in order, with the same types, nullability and defaults', () => {
    expect(Object.keys(postgres.columns).sort()).toEqual(Object.keys(sqlite.columns).sort());
    for (const table of Object.keys(sqlite.columns)) expect({ table, columns: postgres.columns[table] }).toEqual({ table, columns: sqlite.columns[table] });
  });

  it('has the same indexes, primary keys and unique constraints, and names the created indexes the same', () => {
    for (const table of Object.keys(sqlite.indexes)) expect({ table, indexes: postgres.indexes[table] }).toEqual({ table, indexes: sqlite.indexes[table] });
    expect(postgres.named).toEqual(sqlite.named);
  });

  it('has the same foreign keys and their ON DELETE', () => {
    expect(postgres.foreignKeys).toEqual(sqlite.foreignKeys);
  });

  it('seeds the same meta rows', async () => {
    const seeded = raw.prepare('SELECT key, value FROM meta ORDER BY key').all();
    expect(await db.all('SELECT key, value FROM meta ORDER BY key')).toEqual(seeded);
  });
});

describe('the triggers do the same on both', () => {
  const now = '2026-01-01T00:00:00.000Z';
  const counter = async (t: Target, key: string) => Number((await t.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key]))!.value);
  const version = (t: Target) => counter(t, 'registry_version');
  /** Runs a write and says whether it bumped registry_version. */
  const bumps = async (t: Target, sql: string, params: unknown[] = []) => {
    const before = await version(t);
    await t.run(sql, params);
    return (await version(t)) > before;
  };

  it('bumps registry_version on provider, tool, client, vault credential and credential writes, not on audit or refreshed tokens', async () => {
    for (const t of targets) {
      const seen = {
        providerInsert: await bumps(t, 'INSERT INTO providers (code, name, created_at, updated_at) VALUES (?, ?, ?, ?)', ['p1', 'P1', now, now]),
        providerUpdate: await bumps(t, "UPDATE providers SET name = 'P1b' WHERE code = ?", ['p1']),
        providerUpdateNoRow: await bumps(t, "UPDATE providers SET name = 'x' WHERE code = ?", ['none']),
        toolInsert: await bumps(
          t,
          "INSERT INTO tools (provider_id, code, name, endpoint_path, http_method, created_at, updated_at) SELECT id, 't1', 'T1', '/', 'GET', ?, ? FROM providers WHERE code = 'p1'",
          [now, now],
        ),
        clientInsert: await bumps(t, "INSERT INTO clients (name, token_hash, created_at) VALUES ('c1', 'h1', ?)", [now]),
        credentialInsert: await bumps(
          t,
          "INSERT INTO client_credentials (client_id, provider_id, secrets_enc, updated_at) SELECT c.id, p.id, 's', ? FROM clients c, providers p WHERE c.name = 'c1' AND p.code = 'p1'",
          [now],
        ),
        credentialRefreshed: await bumps(t, "UPDATE client_credentials SET refreshed_enc = 'r'"),
        credentialSecrets: await bumps(t, "UPDATE client_credentials SET secrets_enc = 's2'"),
        vaultInsert: await bumps(t, "INSERT INTO vaults (id, display_name, created_at, updated_at) VALUES ('v1', 'V', ?, ?)", [now, now]),
        vaultCredentialInsert: await bumps(
          t,
          "INSERT INTO vault_credentials (id, vault_id, mcp_server_url, protocol, type, access_token_enc, created_at, updated_at) VALUES ('vc1', 'v1', 'https://x', 'mcp', 'bearer', 'e', ?, ?)",
          [now, now],
        ),
        audit: await bumps(t, "INSERT INTO audit_log (kind, at, actor) VALUES ('call', ?, 'a')", [now]),
        credentialDelete: await bumps(t, 'DELETE FROM client_credentials'),
        clientDelete: await bumps(t, "DELETE FROM clients WHERE name = 'c1'"),
      };
      expect({ target: t.name, ...seen }).toEqual({
        target: t.name,
        providerInsert: true,
        providerUpdate: true,
        providerUpdateNoRow: false,
        toolInsert: true,
        clientInsert: true,
        credentialInsert: true,
        credentialRefreshed: false,
        credentialSecrets: true,
        vaultInsert: false, // vaults have no trigger; their credentials do
        vaultCredentialInsert: true,
        audit: false,
        credentialDelete: true,
        clientDelete: true,
      });
    }
  });

  it('gives a tool its revision from tool_seq, only for changes to its definition, and records removals in tools_removed', async () => {
    for (const t of targets) {
      const revision = async (code: string) => (await t.get<{ revision: number }>('SELECT revision FROM tools WHERE code = ?', [code]))?.revision;
      const insert =
        "INSERT INTO tools (provider_id, code, name, endpoint_path, http_method, created_at, updated_at) SELECT id, ?, 'T', '/', 'GET', ?, ? FROM providers WHERE code = 'p1'";
      await t.run(insert, ['r1', now, now]);
      const afterInsert = { revision: await revision('r1'), seq: await counter(t, 'tool_seq') };
      await t.run("UPDATE tools SET description = 'd' WHERE code = 'r1'");
      const afterDefinition = { revision: await revision('r1'), seq: await counter(t, 'tool_seq') };
      const bumpedByRate = await bumps(t, "UPDATE tools SET rate_per_minute = 5 WHERE code = 'r1'");
      const afterRate = { revision: await revision('r1'), seq: await counter(t, 'tool_seq') };
      const id = (await t.get<{ id: number }>("SELECT id FROM tools WHERE code = 'r1'"))!.id;
      await t.run("DELETE FROM tools WHERE code = 'r1'");
      const removed = await t.get<{ revision: number }>('SELECT revision FROM tools_removed WHERE id = ?', [id]);
      const afterDelete = await counter(t, 'tool_seq');

      expect(afterInsert.revision).toBe(afterInsert.seq);
      expect(afterDefinition.seq).toBe(afterInsert.seq + 1);
      expect(afterDefinition.revision).toBe(afterDefinition.seq);
      expect(bumpedByRate).toBe(true); // any tool update bumps the registry…
      expect(afterRate).toEqual(afterDefinition); // …but only a definition column moves its revision
      expect(afterDelete).toBe(afterRate.seq + 1);
      expect(removed).toEqual({ revision: afterDelete });
      // A provider's removal takes its tools with it, and their removals are recorded too.
      await t.run(insert, ['r2', now, now]);
      const id2 = (await t.get<{ id: number }>("SELECT id FROM tools WHERE code = 'r2'"))!.id;
      await t.run("DELETE FROM providers WHERE code = 'p1'");
      expect(await t.get('SELECT COUNT(*) AS n FROM tools_removed WHERE id = ?', [id2])).toEqual({ n: 1 });
    }
  });

  it('on PostgreSQL takes the counters in one order: a transaction starting with a tool and one starting with a provider do not deadlock', async () => {
    await db.run("INSERT INTO providers (code, name, created_at, updated_at) VALUES ('lock', 'L', 'x', 'x')");
    const tool =
      "INSERT INTO tools (provider_id, code, name, endpoint_path, http_method, created_at, updated_at) SELECT id, ?, 'T', '/', 'GET', 'x', 'x' FROM providers WHERE code = 'lock'";
    const provider = "UPDATE providers SET name = ? WHERE code = 'lock'";
    for (let i = 0; i < 3; i++) {
      // B changes the provider (registry_version's row lock), then A adds a tool (tool_seq, then
      // registry_version: it waits for B), then B adds a tool (tool_seq). Were A to hold tool_seq while it
      // waits, B would wait for A and PostgreSQL would abort one with a deadlock.
      let providerChanged!: () => void;
      const afterProvider = new Promise<void>((r) => (providerChanged = r));
      let toolSent!: () => void;
      const afterTool = new Promise<void>((r) => (toolSent = r));
      const b = db.transaction(async (tx) => {
        await tx.run(provider, [`b${i}`]);
        providerChanged();
        await afterTool;
        await new Promise((r) => setTimeout(r, 50)); // let A's insert reach its lock wait
        await tx.run(tool, [`lock-b-${i}`]);
      });
      await afterProvider;
      const a = db.transaction(async (tx) => {
        const insert = tx.run(tool, [`lock-a-${i}`]);
        toolSent();
        await insert;
      });
      await Promise.all([a, b]);
    }
    expect(await db.get("SELECT COUNT(*) AS n FROM tools WHERE code LIKE 'lock-%'")).toEqual({ n: 6 });
  });

  it('on PostgreSQL bumps once per statement, however many rows it changes', async () => {
    await db.run("INSERT INTO providers (code, name, created_at, updated_at) VALUES ('m1', 'M', ?, ?), ('m2', 'M', ?, ?), ('m3', 'M', ?, ?)", [
      now,
      now,
      now,
      now,
      now,
      now,
    ]);
    const before = await version(targets[1]!);
    await db.run("UPDATE providers SET name = 'M2' WHERE code LIKE 'm%'");
    expect(await version(targets[1]!)).toBe(before + 1);
  });
});

describe('notifications on PostgreSQL', () => {
  let listener: pg.Client;
  const received: string[] = [];
  let waiters: (() => void)[] = [];
  beforeAll(async () => {
    listener = new pg.Client({ connectionString: url });
    listener.on('error', () => {});
    listener.on('notification', (n) => {
      received.push(n.payload ?? '');
      const waiting = waiters;
      waiters = [];
      for (const w of waiting) w();
    });
    await listener.connect();
    await listener.query('LISTEN toolwire_changes');
  });
  afterAll(() => listener?.end());

  /**
   * What arrived for the work done by `act`: a sentinel notification is committed after it, and
   * notifications arrive in commit order, so everything act caused has arrived once the sentinel has.
   */
  async function notificationsOf(act: () => Promise<unknown>): Promise<string[]> {
    received.length = 0;
    await act();
    const sentinel = `sentinel-${Math.random()}`;
    const arrived = new Promise<void>((resolve) => {
      const check = () => (received.includes(sentinel) ? resolve() : waiters.push(check));
      check();
    });
    await db.run(`SELECT pg_notify('toolwire_changes', '${sentinel}')`);
    await arrived;
    return received.filter((p) => p !== sentinel);
  }

  it('sends one notification for a transaction of many registry writes', async () => {
    const got = await notificationsOf(() =>
      db.transaction(async (tx) => {
        for (let i = 0; i < 5; i++) await tx.run('INSERT INTO providers (code, name, created_at, updated_at) VALUES (?, ?, ?, ?)', [`n${i}`, 'N', 'x', 'x']);
        await tx.run("UPDATE providers SET name = 'N2' WHERE code LIKE 'n%'");
        await tx.run(
          "INSERT INTO tools (provider_id, code, name, endpoint_path, http_method, created_at, updated_at) SELECT id, 'nt', 'T', '/', 'GET', 'x', 'x' FROM providers WHERE code = 'n0'",
        );
      }),
    );
    expect(got).toEqual(['registry']);
  });

  it('sends none for a rolled-back write, an audit write, or a write that changed no row', async () => {
    const got = await notificationsOf(async () => {
      await db
        .transaction(async (tx) => {
          await tx.run("UPDATE providers SET name = 'never' WHERE code = 'n1'");
          throw new Error('roll back');
        })
        .catch(() => {});
      await db.run("INSERT INTO audit_log (kind, at, actor) VALUES ('call', 'x', 'a')");
      await db.run("DELETE FROM tools WHERE code = 'no-such-tool'");
    });
    expect(got).toEqual([]);
  });

  it('sends one per committed autocommit write', async () => {
    const got = await notificationsOf(async () => {
      await db.run("UPDATE providers SET name = 'a' WHERE code = 'n1'");
      await db.run("UPDATE providers SET name = 'b' WHERE code = 'n2'");
    });
    expect(got).toEqual(['registry', 'registry']);
  });
});
