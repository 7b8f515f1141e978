import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for every secret at rest. Each value gets its own random IV; the auth tag makes a
 * wrong key fail loudly instead of yielding garbage credentials.
 */
export interface SecretBox {
  encrypt(plaintext: string): string;
  /** Throws when the key is wrong or the value was tampered with. */
  decrypt(sealed: string): string;
}

/**
 * A secret box holding several keys (SPEC §15, key rotation): new values are sealed with the primary
 * key, values are opened with whichever key fits. A server started before `toolwire key rotate` keeps
 * its old key and learns the new one from the database (see key-rotation.ts), so it serves on.
 * Sealing and opening stay synchronous; what asks the database is async and done by the repositories:
 * `await beforeSeal()` before a write that seals, and `opening()` around reads that open.
 */
export interface Keyring extends SecretBox {
  /** The key new values are sealed with. */
  primary(): Buffer;
  /** Every key held, primary first. */
  keys(): readonly Buffer[];
  /** Adds a key (decrypt-only unless promoted); false when it was already held. */
  add(key: Buffer): boolean;
  /** Adds the key if needed and seals new values with it from now on. */
  promote(key: Buffer): void;
  /** Opens with any key held, or null; never asks the database for keys. */
  tryOpen(sealed: string): string | null;
  /** Asks the database for keys it may have learned (a rotation by another process); true when something changed. */
  refresh(): Promise<boolean>;
  /** Follows a rotation by another process before sealing; throws when no key held can follow it. */
  beforeSeal(): Promise<void>;
}

/** How a keyring follows the database: run before each seal, and when no key held opens a value. */
export interface KeyringHooks {
  beforeSeal?: () => Promise<void>;
  sync?: () => Promise<boolean>;
}

/** Thrown by `decrypt` when no key held opens a value: `opening()` then asks the database for keys once. */
export class NoKeyOpensError extends Error {
  constructor() {
    super('No master key held opens this secret (wrong key, or the value was tampered with).');
    this.name = 'NoKeyOpensError';
  }
}

/**
 * Runs fn (which opens sealed values); when a value was sealed with a key this process does not hold yet
 * (another process rotated the key), learns the keys from the database and runs fn once more.
 */
export async function opening<T>(ring: Keyring, fn: () => T): Promise<T> {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof NoKeyOpensError) || !(await ring.refresh())) throw err;
    return fn();
  }
}

const PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function checkKeyLength(key: Buffer): void {
  if (key.length !== 32) throw new Error('The master key must be 32 bytes.');
}

/** Seals one value with one key. */
export function sealWith(key: Buffer, plaintext: string): string {
  checkKeyLength(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Opens one value with one key; throws when the key is wrong or the value was tampered with. */
export function openWith(key: Buffer, sealed: string): string {
  if (!sealed.startsWith(PREFIX)) throw new Error('Unknown secret format.');
  const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('Unknown secret format.');
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

/** Whether a string has the shape of a sealed value (cheap test before trying keys). */
export function looksSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX) && value.length >= PREFIX.length + 40;
}

export function createKeyring(primary: Buffer, hooks: KeyringHooks = {}): Keyring {
  checkKeyLength(primary);
  // Primary first: the key that opens nearly every value is tried first.
  const held: Buffer[] = [Buffer.from(primary)];
  const tryOpen = (sealed: string): string | null => {
    if (!sealed.startsWith(PREFIX)) throw new Error('Unknown secret format.');
    for (const key of held) {
      try {
        return openWith(key, sealed);
      } catch {
        // another key may fit
      }
    }
    return null;
  };
  const ring: Keyring = {
    primary: () => held[0] as Buffer,
    keys: () => held,
    add(key) {
      checkKeyLength(key);
      if (held.some((k) => k.equals(key))) return false;
      held.push(Buffer.from(key));
      return true;
    },
    promote(key) {
      checkKeyLength(key);
      const at = held.findIndex((k) => k.equals(key));
      if (at === 0) return;
      if (at > 0) held.splice(at, 1);
      held.unshift(Buffer.from(key));
    },
    tryOpen,
    refresh: async () => (hooks.sync ? hooks.sync() : false),
    beforeSeal: async () => {
      if (hooks.beforeSeal) await hooks.beforeSeal();
    },
    encrypt(plaintext) {
      return sealWith(held[0] as Buffer, plaintext);
    },
    decrypt(sealed) {
      const plain = tryOpen(sealed);
      if (plain !== null) return plain;
      // Sealed with a key this process does not hold yet: another process may have rotated the key (see `opening`).
      throw new NoKeyOpensError();
    },
  };
  return ring;
}
