import type { ToolMode } from './model.js';

/**
 * How much of an agent's context a tool list costs (SPEC §14): its `tools/list` definitions' JSON bytes
 * over 4, the usual estimate of tokens. The registry decides `toolMode: "auto"` with it and the import
 * report shows it, so both must measure alike: through these functions only.
 */

/** TOOLWIRE_AUTO_META_TOKENS' default: a provider listing more than this is offered (or, on auto, given) meta mode. */
export const DEFAULT_AUTO_META_TOKENS = 30_000;

/** The UTF-8 size of a definition as it goes over the wire. */
export function definitionBytes(definition: unknown): number {
  return Buffer.byteLength(JSON.stringify(definition), 'utf8');
}

export function estimatedTokens(bytes: number): number {
  return Math.ceil(bytes / 4);
}

/** Whether a provider whose tools would cost `tokens` listed one by one is served as three meta tools. */
export function listedAsMeta(toolMode: ToolMode, tokens: number, autoMetaTokens: number): boolean {
  return toolMode === 'meta' || (toolMode === 'auto' && tokens > autoMetaTokens);
}
