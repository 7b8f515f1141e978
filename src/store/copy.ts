import { ToolwireError } from '../core/errors.js';
import type { SqlDriver, SqlExecutor } from './driver.js';

/**
 * `toolwire db copy` (SPEC §13): every row of one database into another, SQLite or PostgreSQL either way.
 * Rows are copied as stored, so secrets stay sealed with the same master key (the target must be opened
 * with it). Both sides are already migrated to the same version; the copy writes the target in one
 * transaction, so an interrupted copy leaves it empty.
 */

/** The tables copied, in an order where a row only ever references rows already written. */
export const COPIED_TABLES = ['providers', 'tools', 'mcp_config_servers', 'clients', 'client_credentials', 'vaults', 'vault_credentials', 'audit_log'] as const;

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
    await target.transaction(async (to) => {
      await refuseNonEmpty(to);
      for (const table of COPIED_TABLES) rows[table] = await copyTable(from, to, table);
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

async function copyTable(from: SqlExecutor, to: SqlExecutor, table: string): Promise<number> {
  const all = await from.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
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
