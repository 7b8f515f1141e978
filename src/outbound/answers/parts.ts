import type { KeptAnswer } from './kept-answers.js';

/** One part of a kept answer: its text (valid JSON for items and members), what it holds, and where the next starts. */
export interface Part {
  text: string;
  from: number;
  /** One past the last unit it holds. */
  to: number;
  /** null when this part ends the answer. */
  next: number | null;
}

/**
 * The part of `answer` that starts at `from`: as many whole units as fit the budget (at least one, so a
 * single item over the budget still comes, alone), text up to its last line end within the budget.
 */
export function partAt(answer: KeptAnswer, from: number): Part {
  if (answer.kind === 'text') return textPart(answer.units[0] ?? '', 0, from, answer.budgetBytes);
  const units = answer.units;
  const start = answer.kind === 'items' ? from - answer.base : from;
  let used = 2;
  let end = start;
  while (end < units.length) {
    const size = byteSize(units[end] as string) + (end > start ? 1 : 0);
    if (end > start && used + size > answer.budgetBytes) break;
    used += size;
    end++;
  }
  const body = units.slice(start, end).join(',');
  const offset = answer.kind === 'items' ? answer.base : 0;
  return {
    text: answer.kind === 'items' ? `[${body}]` : `{${body}}`,
    from,
    to: end + offset,
    next: end < units.length ? end + offset : null,
  };
}

/**
 * Text from character `from` to the last line end within the budget; a single line longer than the
 * budget is cut at the budget (the only cut inside a line, said in the README).
 */
export function textPart(text: string, base: number, from: number, budget: number): Part {
  const start = from - base;
  let end = Math.min(text.length, start + budget);
  // Characters outside ASCII take more bytes: shrink until the part fits.
  while (end > start + 1 && byteSize(text.slice(start, end)) > budget) end = start + Math.floor((end - start) * 0.9);
  if (end < text.length) {
    const lineEnd = text.lastIndexOf('\n', end - 1);
    if (lineEnd >= start) end = lineEnd + 1;
  }
  return { text: text.slice(start, end), from, to: end + base, next: end < text.length ? end + base : null };
}

export function byteSize(text: string): number {
  return Buffer.byteLength(text);
}
