import { randomBytes } from 'node:crypto';
import type { KeptRows } from '../../core/shared-state.js';

/**
 * The rest of answers cut to fit the budget (SPEC §14), kept in memory for `toolwire_read_more`: no
 * upstream call is ever made again. A handle lasts 10 minutes and belongs to the identity that got it;
 * the whole store is bounded by a byte cap, the oldest answers evicted first. What is kept is the answer
 * as the agent would have seen it: already masked and projected.
 *
 * With several instances (issue 16) memory stays the first place, and a cut answer is also written to the
 * database (sealed: it is an API's data) before the call returns, so `toolwire_read_more` works on any
 * instance: the table is read only when the handle is not in this process's memory.
 */
export const HANDLE_TTL_MS = 10 * 60 * 1000;
/** 64 MB of kept answers per process (about a dozen 5 MB answers, the default response cap). */
export const KEPT_BYTES_CAP = 64 * 1024 * 1024;

/** How the rest of an answer is read: JSON array items or object members (each unit is its JSON text), or text. */
export type KeptKind = 'items' | 'members' | 'text';

export interface KeptAnswer {
  readonly owner: string;
  readonly providerCode: string;
  readonly toolCode: string;
  readonly kind: KeptKind;
  /** Where the units are: `$.items` (items), `$` (members); `$` for text. */
  readonly path: string;
  /** items: the JSON text of each item, by index; members: `"name":value` of each member left out; text: one string. */
  readonly units: readonly string[];
  /** The index (items) or character offset (text) of the first unit kept; earlier ones were in the first part. */
  readonly base: number;
  /** The unit count of the whole (items: the array's length; members: those kept; text: its length). */
  readonly total: number;
  readonly budgetBytes: number;
  /** The provider's name when its text is fenced. */
  readonly fence: string | null;
  /** Where the next part starts when read_more is given no offset. */
  next: number;
}

interface Slot {
  answer: KeptAnswer;
  bytes: number;
  expiresAt: number;
}

export interface KeptAnswers {
  /** Keeps an answer (and writes it to the shared table, when there is one); null when it alone is over the cap. */
  keep(answer: KeptAnswer): Promise<string | null>;
  /**
   * The answer under `handle` for `owner`; undefined when unknown, expired, evicted or someone else's. From
   * memory, else from the shared table (an answer cut on another instance).
   */
  find(handle: string, owner: string): Promise<KeptAnswer | undefined>;
  /** Moves where the next part starts, here and in the shared table. */
  advance(handle: string, answer: KeptAnswer, next: number): Promise<void>;
  /** Bytes kept in this process's memory now (for tests and the README's numbers). */
  bytes(): number;
}

export interface KeptAnswersOptions {
  now?: () => number;
  capBytes?: number;
  ttlMs?: number;
  /** The table every instance reads (the catalog's shared state); absent: memory only. */
  rows?: KeptRows;
  /** Told when the table could not be written or read (the answer is still served from memory). */
  warn?: (message: string) => void;
}

type Stored = Omit<KeptAnswer, 'owner' | 'next'>;

export function createKeptAnswers(options: KeptAnswersOptions = {}): KeptAnswers {
  const now = options.now ?? Date.now;
  const cap = options.capBytes ?? KEPT_BYTES_CAP;
  const ttl = options.ttlMs ?? HANDLE_TTL_MS;
  const { rows, warn = () => {} } = options;
  // Insertion order is age order: eviction and expiry walk from the front.
  const slots = new Map<string, Slot>();
  let total = 0;
  const drop = (handle: string, slot: Slot) => {
    slots.delete(handle);
    total -= slot.bytes;
  };
  const sweep = (need: number) => {
    const at = now();
    for (const [handle, slot] of slots) {
      if (slot.expiresAt > at && total + need <= cap) break;
      drop(handle, slot);
    }
  };
  const memory = (handle: string, owner: string): KeptAnswer | undefined => {
    const slot = slots.get(handle);
    if (!slot) return undefined;
    if (slot.expiresAt <= now()) {
      drop(handle, slot);
      return undefined;
    }
    return slot.answer.owner === owner ? slot.answer : undefined;
  };
  return {
    async keep(answer) {
      let bytes = 0;
      for (const unit of answer.units) bytes += unit.length * 2; // UTF-16 in memory
      if (bytes > cap) return null;
      sweep(bytes);
      const handle = `rm_${randomBytes(18).toString('base64url')}`;
      const expiresAt = now() + ttl;
      slots.set(handle, { answer, bytes, expiresAt });
      total += bytes;
      if (rows) {
        const { owner, next, ...rest } = answer;
        const stored: Stored = rest;
        try {
          await rows.put(handle, { owner, expiresAt, next, bytes, body: JSON.stringify(stored) }, cap, now());
        } catch (err) {
          warn(`Could not share a cut answer with the other instances (read on from this one): ${(err as Error).message}`);
        }
      }
      return handle;
    },
    async find(handle, owner) {
      const found = memory(handle, owner);
      if (found || slots.has(handle) || !rows) return found;
      try {
        const row = await rows.get(handle, owner, now());
        if (!row) return undefined;
        return { ...(JSON.parse(row.body) as Stored), owner: row.owner, next: row.next };
      } catch (err) {
        warn(`Could not read a kept answer from the database: ${(err as Error).message}`);
        return undefined;
      }
    },
    async advance(handle, answer, next) {
      answer.next = next;
      if (!rows) return;
      await rows.moveNext(handle, next).catch((err: unknown) => warn(`Could not share where a kept answer's next part starts: ${(err as Error).message}`));
    },
    bytes: () => total,
  };
}
