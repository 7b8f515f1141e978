import type { ProviderWriteRules } from '../../catalog/write-rules.js';
import type { Config } from '../../config.js';

/**
 * SPEC §9: a stdio upstream runs a command on this machine, so writes that come over HTTP (admin API,
 * import, compat APIs) may not produce one unless TOOLWIRE_ALLOW_STDIO_UPSTREAMS is set; the CLI always may.
 */
export function httpWriteRules(config: Pick<Config, 'allowStdioUpstreams'>): ProviderWriteRules {
  return { lockStdio: !config.allowStdioUpstreams };
}
