import { randomBytes } from 'node:crypto';

/**
 * The rest of answers cut to fit the budget (SPEC §14), kept in memory for `toolwire_read_more`: no
 * upstream call is ever made again. A handle lasts 10 minutes and belongs to the identity that got it;
 * the whole store is bounded by a byte cap, the oldest answers evicted first. What is kept is the answer
 * as the agent would have seen it: already masked and projected.
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
  /** Keeps an answer; null when it alone is over the cap. */
  keep(answer: KeptAnswer): string | null;
  /** The answer under `handle` for `owner`; undefined when unknown, expired, evicted or someone else's. */
  find(handle: string, owner: string): KeptAnswer | undefined;
  /** Bytes kept now (for tests and the README's numbers). */
  bytes(): number;
}

export function createKeptAnswers(options: { now?: () => number; capBytes?: number; ttlMs?: number } = {}): KeptAnswers {
  const now = options.now ?? Date.now;
  const cap = options.capBytes ?? KEPT_BYTES_CAP;
  const ttl = options.ttlMs ?? HANDLE_TTL_MS;
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
  return {
    keep(answer) {
      let bytes = 0;
      for (const unit of answer.units) bytes += unit.length * 2; // UTF-16 in memory
      if (bytes > cap) return null;
      sweep(bytes);
      const handle = `rm_${randomBytes(18).toString('base64url')}`;
      slots.set(handle, { answer, bytes, expiresAt: now() + ttl });
      total += bytes;
      return handle;
    },
    find(handle, owner) {
      const slot = slots.get(handle);
      if (!slot) return undefined;
      if (slot.expiresAt <= now()) {
        drop(handle, slot);
        return undefined;
      }
      return slot.answer.owner === owner ? slot.answer : undefined;
    },
    bytes: () => total,
  };
}
