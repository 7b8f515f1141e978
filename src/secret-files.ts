import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ToolwireError } from './errors.js';
import { parseMasterKey } from './store/secret-box.js';

/**
 * The two files toolwire keeps beside its database when the environment gives no value:
 * the master key and the client token. Created once with mode 0600 and reused; `wx` makes two
 * processes starting together agree on one value.
 */
export const keyFilePath = (dbPath: string) => `${dbPath}.key`;
export const tokenFilePath = (dbPath: string) => `${dbPath}.token`;

function readOrCreate(path: string, create: () => string): { value: string; created: boolean } {
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, create(), { mode: 0o600, flag: 'wx' });
    return { value: readFileSync(path, 'utf8').trim(), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { value: readFileSync(path, 'utf8').trim(), created: false };
  }
}

export function loadMasterKey(dbPath: string, fromEnv: Buffer | null): Buffer {
  if (fromEnv) return fromEnv;
  const path = keyFilePath(dbPath);
  const { value } = readOrCreate(path, () => randomBytes(32).toString('base64') + '\n');
  const key = parseMasterKey(value);
  if (!key) throw new ToolwireError('CONFIG', `The key file ${path} does not hold a 32-byte key. Restore it from a backup, or set TOOLWIRE_SECRET_KEY.`);
  return key;
}

export function loadClientToken(dbPath: string, fromEnv: string | null): { token: string; created: boolean } {
  if (fromEnv) return { token: fromEnv, created: false };
  const { value, created } = readOrCreate(tokenFilePath(dbPath), () => `tw_${randomBytes(24).toString('base64url')}\n`);
  return { token: value, created };
}
