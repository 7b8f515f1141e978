import { createTokenManager, isInvalidation, type TokenManager } from './auth/dynamic/index.js';
import { createHttpSender, type HttpSender } from './call/send.js';
import type { TokenSource } from './call/http-tool.js';
import { Catalog } from './catalog/catalog.js';
import type { Config } from './config.js';
import { ToolwireError } from './errors.js';
import { createLog, type Log } from './log.js';
import { Registry } from './registry/registry.js';
import { createOutboundGuard } from './outbound-policy.js';
import { setUpstreamFetch } from './federation/transports.js';
import { keyFilePath, loadMasterKey } from './secret-files.js';
import { createStore, WrongKeyError, type Store } from './store/index.js';
import { replaceKeyFile } from './store/key-rotation.js';

/** The parts of a running toolwire, wired once: store → catalog → registry, sender and tokens. */
export interface App {
  config: Config;
  log: Log;
  store: Store;
  catalog: Catalog;
  registry: Registry;
  sender: HttpSender;
  tokens: TokenManager;
  /** Runs fn first when the app closes (upstream MCP connections and their processes). */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export function openStore(config: Config, log: Log = createLog(config.logLevel)): Store {
  const key = loadMasterKey(config.dbPath, config.secretKey);
  try {
    const store = createStore(config.dbPath, key);
    followRotation(config, log, store, key);
    return store;
  } catch (err) {
    if (err instanceof WrongKeyError) {
      throw new ToolwireError(
        'CONFIG',
        `The master key does not open the database ${config.dbPath}: its secrets were encrypted with another key. Set TOOLWIRE_SECRET_KEY to the key used before (or restore the key file ${config.dbPath}.key); if \`toolwire key rotate\` and \`toolwire key finish\` ran, that is the new key. Nothing was sent anywhere.`,
      );
    }
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new ToolwireError('CONFIG', `${config.dbPath} is not a toolwire database (SQLite could not read it). Point --db or TOOLWIRE_DB at another file.`);
    }
    throw err;
  }
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
      log.warn(`The last \`toolwire key rotate\` stopped before replacing the key file ${path}, and it cannot be replaced now (${(err as Error).message}); it holds the old key, which opens the database only until \`toolwire key finish\`.`);
    }
  } else {
    log.warn(
      'TOOLWIRE_SECRET_KEY holds the master key from before the last `toolwire key rotate`. It opens this database only until `toolwire key finish`: set TOOLWIRE_SECRET_KEY to the new key (the one given as TOOLWIRE_NEW_SECRET_KEY) and restart.',
    );
  }
}

export function createApp(config: Config, log: Log = createLog(config.logLevel)): App {
  const store = openStore(config, log);
  // TOOLWIRE_BLOCK_PRIVATE (SPEC §15): one guarded connector for tool calls, token fetches and upstream MCP servers.
  const outbound = config.blockPrivate ? createOutboundGuard() : null;
  const sender = createHttpSender({ timeoutMs: config.timeoutMs, maxResponseBytes: config.maxResponseBytes, ...(outbound ? { connect: outbound.connect } : {}) });
  const tokens = createTokenManager({ timeoutMs: config.timeoutMs, defaultTtlMs: config.tokenTtlSeconds * 1000, dispatcher: outbound?.dispatcher });
  const restoreUpstreamFetch = outbound ? setUpstreamFetch(outbound.fetch) : () => {};
  const tokenSource: TokenSource = {
    getToken: (provider) => tokens.getToken(provider),
    invalidate: (id, stale) => tokens.invalidate(id, stale),
    isInvalidation,
  };
  const registry = new Registry(store, { sender, tokens: tokenSource }, [], log);
  const catalog = new Catalog(store, () => registry.refresh());
  const closers: Array<() => Promise<void> | void> = [];
  return {
    config,
    log,
    store,
    catalog,
    registry,
    sender,
    tokens,
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
      await sender.close();
      restoreUpstreamFetch();
      await outbound?.close();
      store.close();
    },
  };
}
