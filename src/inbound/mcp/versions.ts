/** The two MCP revisions served, and who we say we are in each. */

export const SERVER_INFO = { name: 'toolwire', version: '0.1.0' };

/** Sessions and `initialize` (stdio, `/mcp` with `Mcp-Session-Id`, `--stateless`). */
export const LEGACY_VERSION = '2025-11-25';

/** Stateless: every request carries its version, client info and capabilities in `_meta`. */
export const MODERN_VERSION = '2026-07-28';
