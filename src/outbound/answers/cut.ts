import type { JsonSchema } from '../../core/model.js';
import type { KeptKind } from './kept-answers.js';
import { byteSize, textPart } from './parts.js';

/** Room left in each part for the note that says what was left out (about 400 bytes) and a fence (about 250). */
export const NOTE_RESERVE = 800;
/** How deep the cut looks for the array that makes an answer big (`$.data.items`). */
const MAX_CUT_DEPTH = 6;

/** The first part of an answer over budget, and what is kept for `toolwire_read_more`. */
export interface Cut {
  /** The first part's value (JSON) or text. */
  value: unknown;
  text: string;
  kind: KeptKind;
  path: string;
  units: string[];
  base: number;
  total: number;
  /** Units in the first part (items, members or characters). */
  shown: number;
  /** Members the outputSchema requires do not fit by themselves: the first part cannot be valid. */
  requiredOverBudget: boolean;
}

/** Text cut at its last line end within the budget. */
export function cutText(text: string, budget: number): Cut {
  const first = textPart(text, 0, 0, Math.max(1, budget - NOTE_RESERVE));
  return {
    value: undefined,
    text: first.text,
    kind: 'text',
    path: '$',
    units: [text],
    base: first.to,
    total: text.length,
    shown: first.to,
    requiredOverBudget: false,
  };
}

/**
 * JSON cut at whole values: inside the array that makes it big (found by following the largest member,
 * `$.items`), keeping every other member whole — so an answer valid against an outputSchema stays valid —
 * or, when the rest alone is over budget, at the root object's members (those the outputSchema requires
 * first). An answer that is neither (a huge string) is cut as text.
 */
export function cutJson(value: unknown, text: string, budget: number, schema: JsonSchema | null): Cut {
  const room = Math.max(1, budget - NOTE_RESERVE);
  const found = biggestArray(value);
  if (found) {
    const items = found.array.map((item) => JSON.stringify(item));
    const skeleton = byteSize(JSON.stringify(replaceAt(value, found.keys, [])));
    if (skeleton <= room || !isObject(value)) {
      let used = skeleton;
      let k = 0;
      while (k < items.length && used + byteSize(items[k] as string) + 1 <= room) used += byteSize(items[k++] as string) + 1;
      const cut = replaceAt(value, found.keys, found.array.slice(0, k));
      return {
        value: cut,
        text: JSON.stringify(cut),
        kind: 'items',
        path: pathOf(found.keys),
        units: items.slice(k),
        base: k,
        total: items.length,
        shown: k,
        requiredOverBudget: false,
      };
    }
  }
  if (isObject(value)) return cutMembers(value, room, schema);
  return { ...cutText(text, budget), kind: 'text' };
}

function cutMembers(value: Record<string, unknown>, room: number, schema: JsonSchema | null): Cut {
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as unknown[]).filter((r): r is string => typeof r === 'string') : []);
  const names = Object.keys(value);
  const member = (name: string) => `${JSON.stringify(name)}:${JSON.stringify(value[name])}`;
  const shown = new Set<string>();
  let used = 2;
  for (const name of names) {
    if (!required.has(name)) continue;
    shown.add(name);
    used += byteSize(member(name)) + 1;
  }
  const requiredOverBudget = used > room;
  if (!requiredOverBudget) {
    for (const name of names) {
      if (shown.has(name)) continue;
      const size = byteSize(member(name)) + 1;
      if (used + size > room) continue;
      shown.add(name);
      used += size;
    }
  }
  // Over budget even so: the first part holds nothing and every member is read with read_more.
  const first = requiredOverBudget ? [] : names.filter((n) => shown.has(n));
  const rest = requiredOverBudget ? names : names.filter((n) => !shown.has(n));
  const cut = Object.fromEntries(first.map((n) => [n, value[n]]));
  return {
    value: cut,
    text: JSON.stringify(cut),
    kind: 'members',
    path: '$',
    units: rest.map(member),
    base: 0,
    total: rest.length,
    shown: first.length,
    requiredOverBudget,
  };
}

/** The array reached by following the largest member from the root (the root itself when it is one). */
function biggestArray(value: unknown): { keys: string[]; array: unknown[] } | null {
  const keys: string[] = [];
  let node = value;
  for (let depth = 0; depth <= MAX_CUT_DEPTH; depth++) {
    if (Array.isArray(node)) return node.length > 0 ? { keys, array: node } : null;
    if (!isObject(node)) return null;
    let best: string | null = null;
    let bestSize = -1;
    for (const [name, member] of Object.entries(node)) {
      if (member === null || typeof member !== 'object') continue;
      const size = JSON.stringify(member).length;
      if (size > bestSize) [best, bestSize] = [name, size];
    }
    if (best === null) return null;
    keys.push(best);
    node = node[best];
  }
  return null;
}

/** A copy of `value` with the value at `keys` replaced (objects along the way copied shallowly). */
function replaceAt(value: unknown, keys: readonly string[], replacement: unknown): unknown {
  if (keys.length === 0) return replacement;
  const [head, ...rest] = keys as [string, ...string[]];
  const object = value as Record<string, unknown>;
  return { ...object, [head]: replaceAt(object[head], rest, replacement) };
}

function pathOf(keys: readonly string[]): string {
  return `$${keys.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('')}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
