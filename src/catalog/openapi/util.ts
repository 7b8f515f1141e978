/** Small guards for walking an untyped OpenAPI document without `any`. */

export type Dict = Record<string, unknown>;

export { isJsonObject as isRecord } from '../../core/json.js';
import { isJsonObject as isRecord } from '../../core/json.js';

export function asRecord(value: unknown): Dict {
  return isRecord(value) ? value : {};
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Collapses whitespace and cuts at a word boundary, so titles and descriptions stay bounded. */
export function boundText(text: string, max: number): string {
  const clean = text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}
