import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ToolwireError } from '../core/errors.js';
import { parseMasterKey } from '../core/master-key.js';

/**
 * The two files toolwire keeps beside its database when the environment gives no value:
 * the master key and the client token. Created once with mode 0600 (in a 0700 folder when toolwire
 * makes the folder) and reused; `wx` makes two processes starting together agree on one value. An
 * existing file that group or others may read or write is refused: its secret may already be known.
 */
export const keyFilePath = (dbPath: string) => `${dbPath}.key`;
export const tokenFilePath = (dbPath: string) => `${dbPath}.token`;

/** The shortest client token accepted: 32 characters (`openssl rand -hex 32` makes 64). */
export const MIN_TOKEN_LENGTH = 32;

function readOrCreate(path: string, what: string, create: () => string): { value: string; created: boolean } {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, create(), { mode: 0o600, flag: 'wx' });
    return { value: readFileSync(path, 'utf8').trim(), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    refuseOpenMode(path, what);
    return { value: readFileSync(path, 'utf8').trim(), created: false };
  }
}

/** Throws when group or others have any access to a secret file, naming the command that fixes it. */
function refuseOpenMode(path: string, what: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  throw new ToolwireError(
    'CONFIG',
    `The ${what} file ${path} has mode ${mode.toString(8).padStart(4, '0')}: group or other users can read or change it, so toolwire refuses to use it. Run \`chmod 600 ${path}\` and start again (if others may have read it, replace the secret too).`,
  );
}

/**
 * The master key: TOOLWIRE_SECRET_KEY, else the key file, made at first use. A database that already
 * has a key (`databaseHasKey`: its check value or a sealed secret is there) never gets a new key file: a new key could
 * not open it, and the file would then sit beside it looking right. That is refused before anything
 * is written, so restoring the real key file is all it takes.
 */
export function loadMasterKey(dbPath: string, fromEnv: Buffer | null, databaseHasKey: () => boolean = () => false): Buffer {
  if (fromEnv) return fromEnv;
  const path = keyFilePath(dbPath);
  if (!existsSync(path) && databaseHasKey()) {
    throw new ToolwireError(
      'CONFIG',
      `The key file ${path} is missing, and the database ${dbPath} already holds secrets sealed with a master key, so toolwire makes no new key file (a new key would not open them). Restore it from a backup (mode 0600), or set TOOLWIRE_SECRET_KEY to the key they were sealed with, in an MCP client's entry too (\`toolwire config\` run with TOOLWIRE_SECRET_KEY set prints an entry that carries it). Nothing was written.`,
    );
  }
  const { value } = readOrCreate(path, 'master key', () => randomBytes(32).toString('base64') + '\n');
  const key = parseMasterKey(value);
  if (!key) throw new ToolwireError('CONFIG', `The key file ${path} does not hold a 32-byte key. Restore it from a backup, or set TOOLWIRE_SECRET_KEY.`);
  return key;
}

/**
 * The bearer token for /mcp and /admin: TOOLWIRE_TOKEN, else the token file. A short token can be
 * guessed, so anything under MIN_TOKEN_LENGTH characters is refused at start.
 */
export function loadClientToken(dbPath: string, fromEnv: string | null): { token: string; created: boolean } {
  if (fromEnv) {
    if (fromEnv.length < MIN_TOKEN_LENGTH) {
      throw new ToolwireError(
        'CONFIG',
        `TOOLWIRE_TOKEN is ${fromEnv.length} characters long; it must have at least ${MIN_TOKEN_LENGTH}, or anyone who can reach the port could guess it. Make one with \`openssl rand -hex 32\` (for example \`export TOOLWIRE_TOKEN=$(openssl rand -hex 32)\`), or unset TOOLWIRE_TOKEN and toolwire keeps a random one in ${tokenFilePath(dbPath)}.`,
      );
    }
    return { token: fromEnv, created: false };
  }
  const path = tokenFilePath(dbPath);
  const { value, created } = readOrCreate(path, 'client token', () => `tw_${randomBytes(24).toString('base64url')}\n`);
  if (value.length < MIN_TOKEN_LENGTH) {
    throw new ToolwireError(
      'CONFIG',
      `The client token in ${path} is ${value.length} characters long; it must have at least ${MIN_TOKEN_LENGTH}. Delete the file and toolwire makes a new random token at the next start, or write one made with \`openssl rand -hex 32\` into it.`,
    );
  }
  return { token: value, created };
}
