import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_AUTO_META_TOKENS } from './core/catalog-size.js';
import { ToolwireError } from './core/errors.js';
import { DEFAULT_MAX_RESULT_TOKENS, MAX_RESULT_TOKENS, MIN_RESULT_TOKENS } from './core/result-budget.js';
import { EMPTY_SCOPE, type Scope } from './core/identity.js';
import type { LogLevel } from './core/log.js';
import { parseMasterKey } from './core/master-key.js';
import { parseDatabaseTarget, type DatabaseTarget } from './core/database-target.js';

/** Everything the process environment and global flags decide, validated once. */
export interface Config {
  /** Where the data lives: a SQLite file or a PostgreSQL URL (SPEC §13). */
  database: DatabaseTarget;
  /** The SQLite file's path, or the PostgreSQL URL with its password masked: safe to show. */
  dbPath: string;
  /** TOOLWIRE_DB_POOL (10): connections each process keeps to PostgreSQL (unused with SQLite). */
  dbPool: number;
  /** From TOOLWIRE_SECRET_KEY; null = use (or create) the key file beside the database. */
  secretKey: Buffer | null;
  /** TOOLWIRE_NEW_SECRET_KEY as written (parsed only by `toolwire key rotate`), or null. */
  newSecretKey?: string | null;
  /** From TOOLWIRE_TOKEN; null = use (or create) the token file beside the database. */
  clientToken: string | null;
  timeoutMs: number;
  maxResponseBytes: number;
  /** The answer budget in tokens (SPEC §14), unless a provider or tool sets its own; 0: no budget. */
  maxResultTokens: number;
  pageSize: number;
  tokenTtlSeconds: number;
  allowedOrigins: string[];
  oauthIssuer: string | null;
  oauthAudience: string | null;
  /** The scope a JWT identity gets when it is made on first use (TOOLWIRE_OAUTH_DEFAULT_SCOPE; no tool when unset). */
  oauthDefaultScope: Scope;
  allowStdioUpstreams: boolean;
  /** TOOLWIRE_BLOCK_PRIVATE: outbound connections only to public addresses (SPEC §15); off by default. */
  blockPrivate: boolean;
  logLevel: LogLevel;
  /** TOOLWIRE_PUBLIC_URL without a trailing `/mcp`: how clients reach this server (behind a proxy); the OAuth resource is `${publicUrl}/mcp`. */
  publicUrl: string | null;
  /** TOOLWIRE_ALLOWED_HOSTS: extra Host header values accepted (`name` for any port, or `name:port`), lower-cased. */
  allowedHosts: string[];
  /** TOOLWIRE_MAX_SESSIONS: open MCP sessions at most; the oldest idle one makes room. */
  maxSessions: number;
  /** TOOLWIRE_FAST_PATH=0 sends every tools/call through the SDK (to measure what the fast path saves, or to rule it out). */
  fastPath: boolean;
  /** SPEC §12: TOOLWIRE_AUDIT=0 stops recording tool calls (admin changes are always recorded); on by default. */
  auditCalls: boolean;
  /** TOOLWIRE_AUDIT_ARGS=1: a call's arguments are recorded too, redacted. */
  auditArgs: boolean;
  /** TOOLWIRE_AUDIT_DAYS (30): how long entries are kept. */
  auditDays: number;
  /** TOOLWIRE_METRICS=0 stops counting (GET /metrics then answers 404); on by default. */
  metrics: boolean;
  /** TOOLWIRE_METRICS_PUBLIC=1: GET /metrics without a token. */
  metricsPublic: boolean;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): export a span per tool call over OTLP/HTTP; null: no OpenTelemetry loaded. */
  otlpTracesUrl: string | null;
  /** TOOLWIRE_AUTO_META_TOKENS (30,000): above this estimate of a provider's tools/list tokens, import offers meta mode and `toolMode: "auto"` takes it (SPEC §14). */
  autoMetaTokens: number;
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
  const database = parseDatabaseTarget(flags.db || env.TOOLWIRE_DB || defaultDbPath(env), flags.db ? '--db' : 'TOOLWIRE_DB');
  if (database.dialect === 'postgres' && !secretKey) {
    throw new ToolwireError(
      'CONFIG',
      `TOOLWIRE_SECRET_KEY is required with PostgreSQL (${database.display}): there is no file beside a URL to keep a key in, and every instance on the database must use the same key. Set it to 32 random bytes (for example the output of \`openssl rand -base64 32\`) on every instance.`,
    );
  }
  const level = (env.TOOLWIRE_LOG_LEVEL || 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) {
    throw new ToolwireError('CONFIG', `TOOLWIRE_LOG_LEVEL "${level}" is not one of debug, info, warn, error, silent.`);
  }
  return {
    database,
    dbPath: database.display,
    dbPool: positiveInt(env, 'TOOLWIRE_DB_POOL', 10),
    secretKey,
    newSecretKey: env.TOOLWIRE_NEW_SECRET_KEY?.trim() || null,
    clientToken: env.TOOLWIRE_TOKEN?.trim() || null,
    timeoutMs: positiveInt(env, 'TOOLWIRE_TIMEOUT_MS', 30_000),
    maxResponseBytes: positiveInt(env, 'TOOLWIRE_MAX_RESPONSE_BYTES', 5 * 1024 * 1024),
    pageSize: positiveInt(env, 'TOOLWIRE_PAGE_SIZE', 500),
    maxResultTokens: resultTokens(env.TOOLWIRE_MAX_RESULT_TOKENS),
    tokenTtlSeconds: positiveInt(env, 'TOOLWIRE_TOKEN_TTL_S', 600),
    allowedOrigins: (env.TOOLWIRE_ALLOWED_ORIGINS || '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    oauthIssuer: env.TOOLWIRE_OAUTH_ISSUER?.trim() || null,
    oauthAudience: env.TOOLWIRE_OAUTH_AUDIENCE?.trim() || null,
    oauthDefaultScope: defaultScope(env.TOOLWIRE_OAUTH_DEFAULT_SCOPE),
    allowStdioUpstreams: ['1', 'true', 'yes', 'on'].includes((env.TOOLWIRE_ALLOW_STDIO_UPSTREAMS || '').toLowerCase()),
    blockPrivate: ['1', 'true', 'yes', 'on'].includes((env.TOOLWIRE_BLOCK_PRIVATE || '').trim().toLowerCase()),
    logLevel: level as LogLevel,
    publicUrl: publicUrl(env.TOOLWIRE_PUBLIC_URL),
    allowedHosts: allowedHosts(env.TOOLWIRE_ALLOWED_HOSTS),
    maxSessions: positiveInt(env, 'TOOLWIRE_MAX_SESSIONS', 1000),
    fastPath: !isOff(env.TOOLWIRE_FAST_PATH),
    auditCalls: !isOff(env.TOOLWIRE_AUDIT),
    auditArgs: isOn(env.TOOLWIRE_AUDIT_ARGS),
    auditDays: positiveInt(env, 'TOOLWIRE_AUDIT_DAYS', 30),
    metrics: !isOff(env.TOOLWIRE_METRICS),
    metricsPublic: isOn(env.TOOLWIRE_METRICS_PUBLIC),
    otlpTracesUrl: otlpTracesUrl(env),
    autoMetaTokens: positiveInt(env, 'TOOLWIRE_AUTO_META_TOKENS', DEFAULT_AUTO_META_TOKENS),
  };
}

/**
 * TOOLWIRE_OAUTH_DEFAULT_SCOPE: `*` (every tool), or `provider:CODE` and `tool:GLOB` entries separated by
 * spaces or commas (both lists must let a tool through, as with `client add --provider/--tool`). Unset or
 * empty: no tool, so a person the issuer knows sees nothing until the owner gives their identity a scope.
 */
function defaultScope(raw: string | undefined): Scope {
  const entries = (raw || '').split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) return EMPTY_SCOPE;
  if (entries.length === 1 && entries[0] === '*') return { providers: [], tools: [] };
  const providers: string[] = [];
  const tools: string[] = [];
  for (const entry of entries) {
    const [kind, value] = [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)];
    if (kind === 'provider' && /^[A-Za-z0-9_.-]{1,100}$/.test(value)) providers.push(value);
    else if (kind === 'tool' && /^[A-Za-z0-9_.*?-]{1,200}$/.test(value)) tools.push(value);
    else {
      throw new ToolwireError(
        'CONFIG',
        `TOOLWIRE_OAUTH_DEFAULT_SCOPE entry "${entry.slice(0, 80)}" is not a scope entry: write "*" for every tool, or entries like provider:github and tool:gh_* (a provider code, a tool-code glob of A-Z, a-z, 0-9, "_", ".", "-", "*" and "?"), separated by spaces or commas.`,
      );
    }
  }
  return { providers, tools };
}

const isOn = (raw: string | undefined) => ['1', 'true', 'yes', 'on'].includes((raw || '').trim().toLowerCase());
const isOff = (raw: string | undefined) => ['0', 'false', 'no', 'off'].includes((raw || '').trim().toLowerCase());

/** Where spans go (the OTLP/HTTP exporter's own rule: the traces URL as given, else the base endpoint + /v1/traces); null when neither is set. */
function otlpTracesUrl(env: Env): string | null {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = traces || (base ? `${base.replace(/\/$/, '')}/v1/traces` : null);
  if (url === null) return null;
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    throw new ToolwireError(
      'CONFIG',
      `OTEL_EXPORTER_OTLP_ENDPOINT "${(traces || base || '').slice(0, 100)}" must be an http(s) URL of an OTLP/HTTP collector, like http://localhost:4318. Fix or unset it (unset: no traces).`,
    );
  }
  return url;
}

/** TOOLWIRE_ALLOWED_HOSTS: `name` or `name:port` entries (an IPv6 address in brackets), lower-cased. */
function allowedHosts(raw: string | undefined): string[] {
  const entries = (raw || '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(entry)) {
      throw new ToolwireError(
        'CONFIG',
        `TOOLWIRE_ALLOWED_HOSTS entry "${entry}" is not a host: write names as clients send them in the Host header, comma-separated, like tools.example.com or tools.example.com:8443 ([fd00::1]:8808 for IPv6), without scheme or path.`,
      );
    }
  }
  return entries;
}

/** Checks TOOLWIRE_PUBLIC_URL and drops a trailing `/` or `/mcp`, so both spellings name the same server. */
function publicUrl(raw: string | undefined): string | null {
  const value = raw?.trim();
  if (!value) return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new ToolwireError(
      'CONFIG',
      `TOOLWIRE_PUBLIC_URL "${value}" must be the http(s) URL clients use to reach toolwire, without query, fragment or credentials, for example https://tools.example.com (its MCP endpoint is then https://tools.example.com/mcp). Fix or unset it.`,
    );
  }
  return url.href.replace(/\/$/, '').replace(/\/mcp$/, '');
}

/** TOOLWIRE_MAX_RESULT_TOKENS: 0 (no budget) or MIN_RESULT_TOKENS to MAX_RESULT_TOKENS; unset: 20,000. */
function resultTokens(raw: string | undefined): number {
  const given = raw?.trim();
  if (!given) return DEFAULT_MAX_RESULT_TOKENS;
  const value = Number(given);
  if (!Number.isInteger(value) || (value !== 0 && (value < MIN_RESULT_TOKENS || value > MAX_RESULT_TOKENS))) {
    throw new ToolwireError(
      'CONFIG',
      `TOOLWIRE_MAX_RESULT_TOKENS must be a whole number of tokens from ${MIN_RESULT_TOKENS} to ${MAX_RESULT_TOKENS} (or 0 for no answer budget), got "${given}". Fix or unset it (default ${DEFAULT_MAX_RESULT_TOKENS}).`,
    );
  }
  return value;
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
