import { homedir } from 'node:os';
import { join } from 'node:path';
import { ToolwireError } from './errors.js';
import { parseMasterKey } from './store/secret-box.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Everything the process environment and global flags decide, validated once. */
export interface Config {
  dbPath: string;
  /** From TOOLWIRE_SECRET_KEY; null = use (or create) the key file beside the database. */
  secretKey: Buffer | null;
  /** From TOOLWIRE_TOKEN; null = use (or create) the token file beside the database. */
  clientToken: string | null;
  timeoutMs: number;
  maxResponseBytes: number;
  pageSize: number;
  tokenTtlSeconds: number;
  allowedOrigins: string[];
  oauthIssuer: string | null;
  oauthAudience: string | null;
  allowStdioUpstreams: boolean;
  logLevel: LogLevel;
}

type Env = Record<string, string | undefined>;

export function defaultDbPath(env: Env): string {
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(dataHome, 'toolwire', 'toolwire.db');
}

export function loadConfig(env: Env, flags: { db?: string | undefined } = {}): Config {
  const secret = env.TOOLWIRE_SECRET_KEY?.trim();
  const secretKey = secret ? parseMasterKey(secret) : null;
  if (secret && !secretKey) {
    throw new ToolwireError(
      'CONFIG',
      'TOOLWIRE_SECRET_KEY must be 32 bytes written as 64 hex characters or as base64 (for example the output of `openssl rand -base64 32`). Fix or unset it; unset, toolwire keeps a key file beside the database.',
    );
  }
  const level = (env.TOOLWIRE_LOG_LEVEL || 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) {
    throw new ToolwireError('CONFIG', `TOOLWIRE_LOG_LEVEL "${level}" is not one of debug, info, warn, error, silent.`);
  }
  return {
    dbPath: flags.db || env.TOOLWIRE_DB || defaultDbPath(env),
    secretKey,
    clientToken: env.TOOLWIRE_TOKEN?.trim() || null,
    timeoutMs: positiveInt(env, 'TOOLWIRE_TIMEOUT_MS', 30_000),
    maxResponseBytes: positiveInt(env, 'TOOLWIRE_MAX_RESPONSE_BYTES', 5 * 1024 * 1024),
    pageSize: positiveInt(env, 'TOOLWIRE_PAGE_SIZE', 500),
    tokenTtlSeconds: positiveInt(env, 'TOOLWIRE_TOKEN_TTL_S', 600),
    allowedOrigins: (env.TOOLWIRE_ALLOWED_ORIGINS || '').split(',').map((s) => s.trim()).filter(Boolean),
    oauthIssuer: env.TOOLWIRE_OAUTH_ISSUER?.trim() || null,
    oauthAudience: env.TOOLWIRE_OAUTH_AUDIENCE?.trim() || null,
    allowStdioUpstreams: ['1', 'true', 'yes', 'on'].includes((env.TOOLWIRE_ALLOW_STDIO_UPSTREAMS || '').toLowerCase()),
    logLevel: level as LogLevel,
  };
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ToolwireError('CONFIG', `${name} must be a positive whole number, got "${raw}". Fix or unset it (default ${fallback}).`);
  }
  return value;
}
