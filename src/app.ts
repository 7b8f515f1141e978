import { createTokenManager, isInvalidation, type TokenManager } from './outbound/dynamic-auth/index.js';
import { openSharedTokens } from './outbound/dynamic-auth/shared-store.js';
import { createChangeFeed } from './store/change-feed.js';
import { createHttpSender, type HttpSender, type StoppableSender } from './outbound/http/send.js';
import { createHttpToolFactory, type TokenSource } from './outbound/http/http-tool.js';
import { guardUnsetBaseUrl } from './outbound/http/unset-base-url.js';
import { createKeptAnswers } from './outbound/answers/kept-answers.js';
import { createUserCredentialIndex, type UserCredentials } from './outbound/credentials/per-user.js';
import { createClientVaultTokenIndex, type ClientVaultTokens } from './outbound/credentials/vault-tokens.js';
import type { ClientIdentity } from './core/identity.js';
import { createConnectFlow, createGrantManager, type ConnectFlow, type GrantManager } from './outbound/oauth2/index.js';
import { Catalog } from './catalog/catalog.js';
import type { Config } from './config.js';
import { ToolwireError } from './core/errors.js';
import { createLog, type Log } from './core/log.js';
import { Registry } from './registry/registry.js';
import { createOutboundGuard, type OutboundGuard } from './outbound/address-policy.js';
import { setUpstreamFetch } from './outbound/federation/transports.js';
import { keyFilePath, loadMasterKey } from './store/secret-files.js';
import { createStore, WrongKeyError, type Store } from './store/index.js';
import { isUnreachable } from './store/sql-errors.js';
import { maskUrl, type DatabaseTarget } from './core/database-target.js';
import { databaseHasKey, replaceKeyFile } from './store/key-rotation.js';
import { createOps, type Ops } from './ops/index.js';

/** The parts of a running toolwire, wired once: store → catalog → registry, sender and tokens. */
export interface App {
  config: Config;
  log: Log;
  store: Store;
  catalog: Catalog;
  registry: Registry;
  sender: HttpSender;
  tokens: TokenManager;
  /** OAuth 2 sign-ins to upstream APIs (SPEC §11): the authorization URL the connect page sends to, and the callback's exchange. */
  oauth: ConnectFlow;
  /** Each client's own credentials (SPEC §11), from memory: loaded with the registry's snapshot. */
  users: UserCredentials;
  /** Every client identity by its token hash (SPEC §11), from memory: loaded with the registry's snapshot. */
  clientTokens: () => ReadonlyMap<string, ClientIdentity>;
  /** Each client's newest vault credential per upstream MCP server, from memory: loaded with the registry's snapshot. */
  vaultTokens: ClientVaultTokens;
  /** The TOOLWIRE_BLOCK_PRIVATE policy every outbound connection goes through; null when blocking is off. */
  outbound: OutboundGuard | null;
  /** Audit log, metrics, rate limits, traces (SPEC §12): around every tool call. */
  ops: Ops;
  /**
   * Ends every tool call still waiting on an API or a token endpoint with an isError answer saying the
   * server is shutting down (after a graceful stop's grace). Returns how many were waiting; later calls
   * are refused the same way.
   */
  stopCalls(): number;
  /** Runs fn first when the app closes (upstream MCP connections and their processes). */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

/**
 * Opens (and migrates) the database the config names: a SQLite file with its key file or TOOLWIRE_SECRET_KEY,
 * or PostgreSQL with TOOLWIRE_SECRET_KEY (config.ts requires it: no file lives beside a URL). Every failure
 * to open becomes one paragraph naming the database as it may be shown (password masked) and the fix.
 */
export async function openStore(config: Config, log: Log = createLog(config.logLevel)): Promise<Store> {
  const { database } = config;
  const key =
    database.dialect === 'postgres' ? (config.secretKey as Buffer) : loadMasterKey(database.path, config.secretKey, () => databaseHasKey(database.path));
  try {
    const store = await createStore(database, key, { poolSize: config.dbPool });
    followRotation(config, log, store, key);
    return store;
  } catch (err) {
    throw openFailure(database, err);
  }
}

/** SQLSTATEs of a PostgreSQL server refusing the login, and of a database that is not there. */
const PG_AUTH_FAILED = new Set(['28P01', '28000']);
const PG_NO_DATABASE = '3D000';

/** What went wrong opening the database, as a ToolwireError whose message never holds the password. */
function openFailure(database: DatabaseTarget, err: unknown): Error {
  const shown = database.display;
  if (err instanceof WrongKeyError) {
    const where =
      database.dialect === 'postgres'
        ? 'Set TOOLWIRE_SECRET_KEY to the key the other instances use (the one the database was first opened with)'
        : `Set TOOLWIRE_SECRET_KEY to the key used before (or restore the key file ${database.path}.key)`;
    return new ToolwireError(
      'CONFIG',
      `The master key does not open the database ${shown}: its secrets were encrypted with another key. ${where}; if \`toolwire key rotate\` and \`toolwire key finish\` ran, that is the new key. Nothing was sent anywhere.`,
    );
  }
  if (database.dialect === 'sqlite') {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      return new ToolwireError('CONFIG', `${shown} is not a toolwire database (SQLite could not read it). Point --db or TOOLWIRE_DB at another file.`);
    }
    return err as Error;
  }
  // The store words a driver failure for a write in progress ("nothing was written"); at start the user
  // needs to know which of these it is, so the driver's own error (its cause) is read again here.
  const cause = err instanceof ToolwireError && err.code === 'STORAGE' && !(err.cause instanceof ToolwireError) ? err.cause : undefined;
  if (err instanceof ToolwireError && cause === undefined) {
    const safe = withoutPassword(err.message, database.url);
    return safe === err.message ? err : new ToolwireError(err.code, safe);
  }
  const failure = cause ?? err;
  const code = (failure as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && PG_AUTH_FAILED.has(code)) {
    return new ToolwireError(
      'CONFIG',
      `PostgreSQL at ${shown} refused the login: the user name or password in TOOLWIRE_DB (or --db) is wrong, or pg_hba.conf does not let this user in from here. Fix the URL (percent-encode special characters in the password) and start again.`,
    );
  }
  if (code === PG_NO_DATABASE) {
    return new ToolwireError(
      'CONFIG',
      `The database named in ${shown} does not exist on that PostgreSQL server. Create it first (\`createdb\` or CREATE DATABASE, owned by the user in the URL); toolwire then creates its tables at start.`,
    );
  }
  if (isUnreachable(failure)) {
    return new ToolwireError(
      'STORAGE',
      `Could not reach PostgreSQL at ${shown} (${typeof code === 'string' && code ? code : 'no answer'}): is PostgreSQL running and is the URL right? Check the host and port in TOOLWIRE_DB (or --db), and that this machine may connect to it.`,
    );
  }
  if (cause !== undefined) return err as Error; // the store's own wording (a privilege, a full disk…)
  const message = withoutPassword(failure instanceof Error ? failure.message : String(failure), database.url);
  return new ToolwireError(
    'STORAGE',
    `PostgreSQL at ${shown} could not be opened: ${message}${typeof code === 'string' && code ? ` (SQLSTATE ${code})` : ''}.`,
  );
}

/** A driver's message with the URL's password cut out, should it ever quote it. */
function withoutPassword(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // parseDatabaseTarget accepted the URL; nothing to cut otherwise
  }
  const raw = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:([^@/?#]*)@/i.exec(url)?.[1] ?? '';
  let safe = message.split(url).join(maskUrl(url));
  for (const secret of [password, raw]) if (secret.length >= 4) safe = safe.split(secret).join('***');
  return safe;
}

/**
 * The key given opened the database only through the key it was rotated to (SPEC §15): the rotation was
 * interrupted between its commit and the key file's replacement (finish that now), or the environment
 * still holds the old key (say so; it keeps working until `toolwire key finish`).
 */
function followRotation(config: Config, log: Log, store: Store, given: Buffer): void {
  const current = store.database.box.primary();
  if (current.equals(given)) return;
  if (config.secretKey === null) {
    const path = keyFilePath(config.dbPath);
    try {
      replaceKeyFile(path, current);
      log.warn(`The last \`toolwire key rotate\` stopped before replacing the key file; ${path} now holds the new key.`);
    } catch (err) {
      // The old key still opens the database (until `toolwire key finish`): serve on, and say so.
      log.warn(
        `The last \`toolwire key rotate\` stopped before replacing the key file ${path}, and it cannot be replaced now (${(err as Error).message}); it holds the old key, which opens the database only until \`toolwire key finish\`.`,
      );
    }
  } else {
    log.warn(
      'TOOLWIRE_SECRET_KEY holds the master key from before the last `toolwire key rotate`. It opens this database only until `toolwire key finish`: set TOOLWIRE_SECRET_KEY to the new key (the one given as TOOLWIRE_NEW_SECRET_KEY) and restart.',
    );
  }
}

/** What a test may set: the clock kept answers expire by (SPEC §14). */
export interface AppOptions {
  now?: () => number;
}

/**
 * Opens the store and wires the app. The registry's first snapshot is not built here: the serving
 * commands `await app.registry.load()` before serving (every source and index added by then).
 */
export async function createApp(config: Config, log: Log = createLog(config.logLevel), options: AppOptions = {}): Promise<App> {
  const store = await openStore(config, log);
  // TOOLWIRE_BLOCK_PRIVATE (SPEC §15): one guarded connector for tool calls, token fetches and upstream MCP servers.
  const outbound = config.blockPrivate ? createOutboundGuard() : null;
  const sender = createHttpSender({
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    ...(outbound ? { connect: outbound.connect } : {}),
  });
  const stopper = createCallStopper(sender);
  // Dynamic-auth tokens shared by every instance on the database (SPEC §13), behind the token manager's memory.
  const sharedTokens = await openSharedTokens(store, config.database, config.timeoutMs);
  const tokens = createTokenManager({
    timeoutMs: config.timeoutMs,
    defaultTtlMs: config.tokenTtlSeconds * 1000,
    dispatcher: outbound?.dispatcher,
    onFetch: (code, ok) => ops.tokenFetch(code, ok),
    shared: sharedTokens.tokens,
    warn: (message) => log.warn(message),
  });
  const restoreUpstreamFetch = outbound ? setUpstreamFetch(outbound.fetch) : () => {};
  const tokenSource: TokenSource = {
    getToken: (provider, client) => stopper.guard(() => tokens.getToken(provider, client)),
    invalidate: (id, stale, client) => tokens.invalidate(id, stale, client),
    isInvalidation,
  };
  // Per-user credentials (SPEC §11): loaded with the registry's snapshot, indexed again when its version moves.
  // A client's own dynamic-auth token goes with its payload (removed, or its client removed).
  const users = createUserCredentialIndex(
    () => userCredentials(),
    () => registry.current().version,
    (find) => tokens.retainClients((providerId, client) => find(providerId, client)?.secrets.dynamicAuthPayload !== undefined),
  );
  // OAuth 2 (SPEC §11): token endpoints go through the address policy like every other destination.
  const oauthFetch = outbound ? outbound.fetch : fetch;
  const grants = createGrantManager({
    timeoutMs: config.timeoutMs,
    fetch: oauthFetch,
    save: (client, providerId, renewed) =>
      void catalog.credentials
        .storeRefreshed(client, providerId, renewed)
        .catch((err: unknown) => log.warn(`Could not keep the renewed OAuth tokens of client "${client}": ${(err as Error).message}`)),
    warn: (message) => log.warn(message),
  });
  const oauth = createConnectFlow({
    findProvider: (ref) => catalog.findProvider(ref),
    storeGrant: (client, providerId, tokens) => catalog.credentials.storeGrant(client, providerId, tokens),
    pending: store.shared.signIns,
    fetch: oauthFetch,
    timeoutMs: config.timeoutMs,
  });
  // A call waiting on a renewal is stopped at a graceful stop's end, like one waiting on a token fetch.
  const guardedGrants: GrantManager = {
    lease: (provider, client, stored) => stopper.guard(() => grants.lease(provider, client, stored)),
    renew: (provider, client, stale) => stopper.guard(() => grants.renew(provider, client, stale)),
  };
  // Answers cut to fit the budget (SPEC §14): their rest, kept for toolwire_read_more.
  // Memory first; a cut answer is also written to the shared table, so read_more works on any instance.
  const answers = createKeptAnswers({ ...(options.now ? { now: options.now } : {}), rows: store.shared.kept, warn: (message) => log.warn(message) });
  const httpTools = createHttpToolFactory({
    sender,
    tokens: tokenSource,
    users,
    grants: guardedGrants,
    answers: { kept: answers, maxResultTokens: config.maxResultTokens },
  });
  const registry = new Registry(store, guardUnsetBaseUrl(httpTools), [], log, { autoMetaTokens: config.autoMetaTokens });
  // Other instances' changes: PostgreSQL's LISTEN feed (its own connection); SQLite's poll is the registry's default.
  if (config.database.dialect === 'postgres') registry.useChangeFeed(await createChangeFeed(store, { url: config.database.url }));
  const catalog = new Catalog(store, () => registry.refresh(), 'cli', { autoMetaTokens: config.autoMetaTokens });
  // The call path's indexes, read with every snapshot (in its read transaction): a call reads no database.
  const userCredentials = registry.addIndex(() => catalog.credentials.index());
  const clientTokens = registry.addIndex(() => catalog.clients.tokenIndex());
  const vaultTokens = createClientVaultTokenIndex(
    registry.addIndex(() => catalog.vaults.clientTokens()),
    () => registry.current().version,
  );
  const ops = createOps(config, catalog, registry, log);
  const closers: Array<() => Promise<void> | void> = [];
  return {
    config,
    log,
    store,
    catalog,
    registry,
    sender,
    tokens,
    oauth,
    users,
    clientTokens,
    vaultTokens,
    outbound,
    ops,
    stopCalls: () => stopper.stop(),
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.splice(0).reverse()) {
        try {
          await fn();
        } catch (err) {
          log.warn(`Could not stop cleanly: ${(err as Error).message}`);
        }
      }
      registry.stop();
      // After the HTTP server and upstream connections stopped: no call is left to record.
      await ops.close();
      // Requests left behind by stopCalls() would hold the pools open until the API answers or times out.
      if (stopper.abandoned()) void sender.close().catch(() => {});
      else await sender.close();
      restoreUpstreamFetch();
      await outbound?.close();
      await sharedTokens.close();
      await store.close();
    },
  };
}

/**
 * What lets a graceful stop end at its grace: every upstream send and token fetch of a tool call can be
 * stopped, and `stop()` answers the ones still waiting with an error (the tool returns it as an isError
 * result), instead of their connection being reset when the server closes. The upstream request itself
 * is left behind (the process is about to exit); whether it reached the API is unknown, so the message
 * says so. Sends are stopped by the sender itself (`StoppableSender.stop`: it already tracks what is in
 * flight, so a call costs nothing more); token fetches go through `guard` (one promise and a Set entry).
 */
function createCallStopper(sender: StoppableSender) {
  const waiting = new Set<(err: Error) => void>();
  let stopped = false;
  let left = 0;
  const shuttingDown = () =>
    new ToolwireError(
      'INTERNAL',
      'toolwire is shutting down and stopped this call after its grace period. The request may or may not have reached the API: check before repeating anything that changes data, then retry once the server is back.',
    );
  function guard<T>(start: () => Promise<T>): Promise<T> {
    if (stopped) return Promise.reject(shuttingDown()); // nothing is sent once the server is stopping
    return new Promise<T>((resolve, reject) => {
      waiting.add(reject);
      start().then(
        (value) => {
          waiting.delete(reject);
          resolve(value);
        },
        (err: unknown) => {
          waiting.delete(reject);
          reject(err);
        },
      );
    });
  }
  return {
    guard,
    stop(): number {
      stopped = true;
      let count = sender.stop(shuttingDown);
      count += waiting.size;
      for (const reject of waiting) reject(shuttingDown());
      waiting.clear();
      left += count;
      return count;
    },
    /** Whether stop() left requests behind (closing the pools would wait for them). */
    abandoned: () => left > 0,
  };
}
