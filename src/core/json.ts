/** A JSON object (not an array, not null): the one guard every layer uses on untyped input. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
