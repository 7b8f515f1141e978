import { ToolwireError } from '../core/errors.js';
import type { SqlDriver, SqlExecutor } from './driver.js';

/**
 * `toolwire db copy` (SPEC §13): every row of one database into another, SQLite or PostgreSQL either way.
 * Rows are copied as stored, so secrets stay sealed with the same master key (the target must be opened
 * with it). Both sides are already migrated to the same version; the copy writes the target in one
 * transaction, so an interrupted copy leaves it empty. Ids are kept (clients, vaults and credentials refer
 * to them); a tool's revision is renumbered by the target's own trigger, which is harmless (a registry
 * starts from a full snapshot). A source table or column the target does not know is refused, never dropped.
 */

/** The tables copied, in an order where a row only ever references rows already written. */
export const COPIED_TABLES = ['providers', 'tools', 'mcp_config_servers', 'clients', 'client_credentials', 'vaults', 'vault_credentials', 'audit_log'] as const;

/**
 * Tables left behind on purpose: the target's own bookkeeping (schema version, SQLite's sequences) and what
 * the target rebuilds by itself (tools_removed: the deleted tools' revisions, for a snapshot's catch-up; the
 * target's registry starts from a full snapshot), and the short-lived shared state of several instances
 * (docs/design/postgresql.md, Plan step 2: fetched tokens, rate counts, kept answers, connect tickets, OAuth
 * sign-ins in progress, web sessions), which is made again on use. Any other table in the source that is in neither list is
 * refused: a table added by a later migration must be placed here before a copy may drop it silently.
 */
const SKIPPED_TABLES = new Set([
  'meta',
  'schema_version',
  'sqlite_sequence',
  'tools_removed',
  'shared_tokens',
  'rate_counts',
  'kept_answers',
  'connect_tickets',
  'oauth_pending',
  'ui_sessions',
]);

/** Tables whose integer identity column must move past the copied ids on PostgreSQL (`setval`). */
const IDENTITY_COLUMNS: Readonly<Record<string, string>> = { providers: 'id', tools: 'id', clients: 'id', vault_credentials: 'seq', audit_log: 'id' };

/** `meta` rows the target's own triggers keep (change counters): every other row (the key check, a rotation) is copied. */
const TARGET_OWN_META = new Set(['registry_version', 'tool_seq']);

/** Rows per INSERT: one statement per round trip on PostgreSQL, under both dialects' placeholder limits. */
const BATCH_ROWS = 200;

export interface CopyReport {
  /** Rows copied, by table. */
  rows: Record<string, number>;
}

export async function copyDatabase(source: SqlDriver, target: SqlDriver): Promise<CopyReport> {
  const rows: Record<string, number> = {};
  await source.read(async (from) => {
    await refuseUnknownTables(from);
    await target.transaction(async (to) => {
      await refuseNonEmpty(to);
      for (const table of COPIED_TABLES) rows[table] = await copyTable(from, to, table, await columnsOf(to, table));
      await copyMeta(from, to);
      if (to.dialect === 'postgres') await moveIdentities(to);
    });
  });
  return { rows };
}

async function refuseNonEmpty(to: SqlExecutor): Promise<void> {
  const filled: string[] = [];
  for (const table of COPIED_TABLES) {
    const row = await to.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
    if (Number(row?.n ?? 0) > 0) filled.push(`${table} (${row?.n})`);
  }
  if (filled.length > 0) {
    throw new ToolwireError(
      'CONFLICT',
      `The target database is not empty: it has rows in ${filled.join(', ')}. \`toolwire db copy\` only fills an empty database, so nothing was copied. Give a new SQLite file or an empty PostgreSQL database as TARGET.`,
    );
  }
}

/** The tables of the database the executor runs on (SQLite's or PostgreSQL's catalog). */
async function tablesOf(db: SqlExecutor): Promise<string[]> {
  const sql =
    db.dialect === 'postgres'
      ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
      : "SELECT name FROM sqlite_master WHERE type = 'table'";
  return (await db.all<{ name: string }>(sql)).map((row) => row.name);
}

/** The columns of one table (lower case, as both catalogs give them for the store's unquoted names). */
async function columnsOf(db: SqlExecutor, table: string): Promise<Set<string>> {
  const sql =
    db.dialect === 'postgres'
      ? 'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?'
      : 'SELECT name FROM pragma_table_info(?)';
  return new Set((await db.all<{ name: string }>(sql, [table])).map((row) => row.name));
}

async function refuseUnknownTables(from: SqlExecutor): Promise<void> {
  const known = new Set<string>([...COPIED_TABLES, ...SKIPPED_TABLES]);
  const unknown = (await tablesOf(from)).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ToolwireError(
      'CONFLICT',
      `The source database has table(s) this toolwire does not know how to copy: ${unknown.join(', ')}. It was written by a newer toolwire (or changed by hand): copy it with the release that wrote it. Nothing was copied.`,
    );
  }
}

async function copyTable(from: SqlExecutor, to: SqlExecutor, table: string, targetColumns: Set<string>): Promise<number> {
  const all = await from.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
  const missing = all.length === 0 ? [] : Object.keys(all[0] as object).filter((c) => !targetColumns.has(c));
  if (missing.length > 0) {
    throw new ToolwireError(
      'CONFLICT',
      `The target's table ${table} has no column ${missing.join(', ')}, which the source has: the two databases are not at the same schema version. Run the same toolwire release on both. Nothing was copied.`,
    );
  }
  for (let start = 0; start < all.length; start += BATCH_ROWS) {
    const batch = all.slice(start, start + BATCH_ROWS);
    const columns = Object.keys(batch[0] as object);
    const row = `(${columns.map(() => '?').join(', ')})`;
    const values = batch.flatMap((r) => columns.map((c) => r[c] ?? null));
    await to.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${batch.map(() => row).join(', ')}`, values);
  }
  return all.length;
}

async function copyMeta(from: SqlExecutor, to: SqlExecutor): Promise<void> {
  for (const { key, value } of await from.all<{ key: string; value: string }>('SELECT key, value FROM meta')) {
    if (TARGET_OWN_META.has(key)) continue;
    await to.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }
}

/** PostgreSQL identities do not move when ids are given explicitly: the next insert would collide with a copied row. */
async function moveIdentities(to: SqlExecutor): Promise<void> {
  for (const [table, column] of Object.entries(IDENTITY_COLUMNS)) {
    await to.get(`SELECT setval(pg_get_serial_sequence('${table}', '${column}'), COALESCE((SELECT MAX(${column}) FROM ${table}), 0) + 1, false)`);
  }
}
