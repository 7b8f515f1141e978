import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../app.js';
import type { Config } from '../config.js';
import { parseDatabaseTarget, type DatabaseTarget } from '../core/database-target.js';
import { ToolwireError } from '../core/errors.js';
import { createLog } from '../core/log.js';
import { parseMasterKey } from '../core/master-key.js';
import { copyDatabase } from '../store/copy.js';
import { replaceKeyFile } from '../store/key-rotation.js';
import { keyFilePath, loadMasterKey } from '../store/secret-files.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

/**
 * `toolwire db copy SOURCE TARGET` (SPEC §13): a whole database into an empty one, SQLite or PostgreSQL
 * either way. Rows move as stored, so both sides must open with the same master key: TOOLWIRE_SECRET_KEY,
 * or a SQLite source's key file (then copied beside a SQLite target, so the target opens as the source did).
 * No secret and no password is printed.
 */
export const dbCommand: Command = async (ctx) => {
  const [sub, ...rest] = ctx.args;
  if (sub !== 'copy') throw new UsageError(`Unknown db command "${sub ?? ''}": use \`toolwire db copy SOURCE TARGET\`.`);
  const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true });
  if (positionals.length !== 2) {
    throw new UsageError(
      '`toolwire db copy` takes two arguments, SOURCE and TARGET: each a SQLite file path or a postgres:// URL (for example `toolwire db copy ./toolwire.db postgres://tw@db/toolwire`).',
    );
  }
  const source = parseDatabaseTarget(positionals[0] as string, 'SOURCE');
  const target = parseDatabaseTarget(positionals[1] as string, 'TARGET');
  if (sameDatabase(source, target)) throw new UsageError(`SOURCE and TARGET are the same database (${source.display}): give another TARGET.`);
  if (source.dialect === 'sqlite' && !existsSync(source.path)) {
    throw new ToolwireError('CONFIG', `There is no database at ${source.path} (SOURCE). Give the path of the toolwire database to copy.`);
  }
  const { key, fromFile } = masterKey(ctx.config, source);
  const targetKeyFile = target.dialect === 'sqlite' && fromFile ? keyFilePath(target.path) : null;
  if (targetKeyFile) refuseOtherKeyFile(targetKeyFile, key);

  const log = createLog(ctx.config.logLevel, (line) => ctx.stderr(line));
  const from = await openStore(withDatabase(ctx.config, source, key), log);
  let report: Awaited<ReturnType<typeof copyDatabase>>;
  try {
    const to = await openStore(withDatabase(ctx.config, target, key), log);
    try {
      report = await copyDatabase(from.database.driver, to.database.driver);
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
  if (targetKeyFile && !existsSync(targetKeyFile)) replaceKeyFile(targetKeyFile, key);

  const total = Object.values(report.rows).reduce((a, b) => a + b, 0);
  const lines = Object.entries(report.rows).map(([table, n]) => `  ${table}: ${n}\n`);
  ctx.stdout(`Copied ${total} row(s) from ${source.display} to ${target.display}, secrets still sealed with the same master key.\n${lines.join('')}`);
  ctx.stderr(`${keyNote(source, target, fromFile, targetKeyFile)}\n`);
  return 0;
};

function sameDatabase(a: DatabaseTarget, b: DatabaseTarget): boolean {
  if (a.dialect === 'sqlite' && b.dialect === 'sqlite') return resolve(a.path) === resolve(b.path);
  return a.dialect === b.dialect && a.display === b.display;
}

/** TOOLWIRE_SECRET_KEY, else the key file beside a SQLite source (never made here: a copy needs the real key). */
function masterKey(config: Config, source: DatabaseTarget): { key: Buffer; fromFile: boolean } {
  if (config.secretKey) return { key: config.secretKey, fromFile: false };
  if (source.dialect === 'sqlite' && existsSync(keyFilePath(source.path))) {
    return { key: loadMasterKey(source.path, null), fromFile: true };
  }
  throw new ToolwireError(
    'CONFIG',
    source.dialect === 'postgres'
      ? `TOOLWIRE_SECRET_KEY is required to copy from PostgreSQL (${source.display}): set it to the key the instances on that database use; both databases are opened with it.`
      : `No master key for ${source.path}: its key file ${keyFilePath(source.path)} is missing and TOOLWIRE_SECRET_KEY is not set. Set TOOLWIRE_SECRET_KEY to the key its secrets were sealed with (or restore the key file), then copy again.`,
  );
}

/** A key file already beside a SQLite target with another key would no longer open it after the copy. */
function refuseOtherKeyFile(path: string, key: Buffer): void {
  if (!existsSync(path)) return;
  const held = parseMasterKey(readFileSync(path, 'utf8').trim());
  if (held?.equals(key)) return;
  throw new ToolwireError(
    'CONFIG',
    `The key file ${path} beside TARGET holds another master key: the copied secrets would not open with it. Move it away (or give another TARGET) and copy again. Nothing was copied.`,
  );
}

/** The config as it would be with `--db` pointing at one side of the copy, opened with the copy's key. */
function withDatabase(config: Config, database: DatabaseTarget, key: Buffer): Config {
  return { ...config, database, dbPath: database.display, secretKey: key };
}

/** Where the target's key is from now on: it opens only with the source's key. */
function keyNote(source: DatabaseTarget, target: DatabaseTarget, fromFile: boolean, keyFile: string | null): string {
  if (keyFile) return `The master key is in ${keyFile} (the source's key, copied): the target opens as the source did.`;
  if (fromFile) {
    return `The target opens only with the source's master key: set TOOLWIRE_SECRET_KEY to the contents of ${keyFilePath(source.display)} on every instance that serves ${target.display} (for example \`export TOOLWIRE_SECRET_KEY=$(cat ${keyFilePath(source.display)})\`).`;
  }
  return `The target opens only with the master key in TOOLWIRE_SECRET_KEY: keep it set${target.dialect === 'postgres' ? ' on every instance that serves the target' : ''}.`;
}
