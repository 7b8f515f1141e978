import { existsSync } from 'node:fs';
import { openStore } from '../app.js';
import { ToolwireError } from '../core/errors.js';
import { createLog } from '../core/log.js';
import { keyFilePath } from '../store/secret-files.js';
import { finishRotation, replaceKeyFile, rotateKey, type ResealCounts } from '../store/key-rotation.js';
import { parseMasterKey } from '../core/master-key.js';
import type { Command, CommandContext } from './context.js';
import { UsageError } from './context.js';

/**
 * `toolwire key rotate` and `toolwire key finish` (SPEC §15). The rotation itself is one transaction
 * (store/key-rotation.ts); this file decides where the new key goes afterwards and says what to do next.
 * No key and no secret is ever printed.
 */
export const keyCommand: Command = async (ctx) => {
  const [sub, ...rest] = ctx.args;
  if (rest.length > 0) throw new UsageError(`\`toolwire key ${sub ?? ''}\` takes no arguments (the new key comes from TOOLWIRE_NEW_SECRET_KEY).`);
  if (sub === 'rotate') return rotate(ctx);
  if (sub === 'finish') return finish(ctx);
  throw new UsageError(`Unknown key command "${sub ?? ''}": use \`toolwire key rotate\` or \`toolwire key finish\`.`);
};

function newKeyFrom(ctx: CommandContext): Buffer {
  const text = ctx.config.newSecretKey;
  if (!text) {
    throw new ToolwireError(
      'CONFIG',
      'TOOLWIRE_NEW_SECRET_KEY is not set: `toolwire key rotate` re-encrypts every secret with the key in that variable. Make one with `openssl rand -base64 32` and run `TOOLWIRE_NEW_SECRET_KEY=<that key> toolwire key rotate`. Nothing was changed.',
    );
  }
  const key = parseMasterKey(text);
  if (!key) {
    throw new ToolwireError(
      'CONFIG',
      'TOOLWIRE_NEW_SECRET_KEY must be 32 bytes written as 64 hex characters or as base64 (for example the output of `openssl rand -base64 32`). Nothing was changed.',
    );
  }
  return key;
}

/** Rotating a database that does not exist would create an empty one (and a key file): say so instead. */
function requireDatabase(ctx: CommandContext): void {
  // A PostgreSQL database that is not there is refused when it is opened (openStore says so).
  if (ctx.config.database.dialect === 'postgres') return;
  if (ctx.config.dbPath !== ':memory:' && existsSync(ctx.config.dbPath)) return;
  throw new ToolwireError(
    'CONFIG',
    `There is no database at ${ctx.config.dbPath}, so there is no key to rotate. Point --db or TOOLWIRE_DB at the database whose key you want to change.`,
  );
}

function describe(counts: ResealCounts): string {
  return Object.entries(counts)
    .map(([where, n]) => `  ${where}: ${n}\n`)
    .join('');
}

async function rotate(ctx: CommandContext): Promise<number> {
  const newKey = newKeyFrom(ctx);
  requireDatabase(ctx);
  const log = createLog(ctx.config.logLevel, (line) => ctx.stderr(line));
  const store = await openStore(ctx.config, log);
  try {
    const counts = await rotateKey(store.database, newKey);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    ctx.stdout(`Re-encrypted ${total} secret value(s) with the new key in one transaction.\n${describe(counts)}`);
    // Only after the commit: killed before it, the database still opens with the key file's key.
    if (ctx.config.secretKey === null) {
      const path = keyFilePath(ctx.config.dbPath);
      replaceKeyFile(path, newKey);
      ctx.stderr(
        `The key file ${path} now holds the new key. Running servers keep serving (they find the new key in the database); restart them when convenient, then run \`toolwire key finish\` so the old key no longer opens the database. Backups made before now still need the old key.\n`,
      );
    } else if (ctx.config.database.dialect === 'postgres') {
      ctx.stderr(
        'PostgreSQL keeps no key file: set TOOLWIRE_SECRET_KEY to the new key (the value of TOOLWIRE_NEW_SECRET_KEY) on EVERY instance that serves this database, and restart them one by one. Until then they keep serving with the old key (it opens the database until `toolwire key finish`). Once all run with the new key, run `toolwire key finish` with the new key in TOOLWIRE_SECRET_KEY, so the old key no longer opens the database. Backups made before now still need the old key.\n',
      );
    } else {
      ctx.stderr(
        'TOOLWIRE_SECRET_KEY still holds the OLD key: set it to the new key (the value of TOOLWIRE_NEW_SECRET_KEY) wherever toolwire runs and restart the servers. Until then they keep serving with the old key. Then run `toolwire key finish` with the new key in TOOLWIRE_SECRET_KEY, so the old key no longer opens the database. Backups made before now still need the old key.\n',
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}

async function finish(ctx: CommandContext): Promise<number> {
  requireDatabase(ctx);
  const log = createLog(ctx.config.logLevel, (line) => ctx.stderr(line));
  const store = await openStore(ctx.config, log);
  try {
    // With the key file, openStore has already moved it to the current key if it held the previous one.
    const given = ctx.config.secretKey ?? store.database.box.primary();
    const counts = await finishRotation(store.database, given);
    if (counts === null) {
      ctx.stdout('No key rotation to finish: only the current key opens this database.\n');
      return 0;
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    ctx.stdout(
      `Finished the key rotation: the old key no longer opens this database (${total} value(s) still sealed with it were re-encrypted).\n${describe(counts)}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
