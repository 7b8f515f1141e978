import { createHash } from 'node:crypto';

/** MCP tool names: 1–128 characters of letters, digits, `_`, `-` and `.` (SPEC §9, SEP-986). */
export const MAX_TOOL_NAME = 128;
const VALID = /^[A-Za-z0-9_.-]{1,128}$/;
const HASH_CHARS = 8;

/**
 * The name an upstream tool is listed under: `<provider code>__<tool name>`. A name that is too long,
 * or that holds characters outside the MCP rules, is made valid (invalid characters become `_`),
 * cut, and given a short hash of the full original so that distinct upstream names stay distinct.
 */
export function federatedToolName(providerCode: string, upstreamName: string): string {
  const full = `${providerCode}__${upstreamName}`;
  if (VALID.test(full)) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, HASH_CHARS);
  const safe = full.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${safe.slice(0, MAX_TOOL_NAME - HASH_CHARS - 1)}_${hash}`;
}

export function isValidToolName(name: string): boolean {
  return VALID.test(name);
}
