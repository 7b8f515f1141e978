import { createTokenManager, isInvalidation, type TokenManager } from './auth/dynamic/index.js';
import { createHttpSender, type HttpSender } from './call/send.js';
import type { TokenSource } from './call/http-tool.js';
import { Catalog } from './catalog/catalog.js';
import type { Config } from './config.js';
import { ToolwireError } from './errors.js';
import { createLog, type Log } from './log.js';
import { Registry } from './registry/registry.js';
import { loadMasterKey } from './secret-files.js';
import { createStore, WrongKeyError, type Store } from './store/index.js';

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

export function openStore(config: Config): Store {
  const key = loadMasterKey(config.dbPath, config.secretKey);
  try {
    return createStore(config.dbPath, key);
  } catch (err) {
    if (err instanceof WrongKeyError) {
      throw new ToolwireError(
        'CONFIG',
        `The master key does not open the database ${config.dbPath}: its secrets were encrypted with another key. Set TOOLWIRE_SECRET_KEY to the key used before (or restore the key file ${config.dbPath}.key); nothing was sent anywhere.`,
      );
    }
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new ToolwireError('CONFIG', `${config.dbPath} is not a toolwire database (SQLite could not read it). Point --db or TOOLWIRE_DB at another file.`);
    }
    throw err;
  }
}

export function createApp(config: Config, log: Log = createLog(config.logLevel)): App {
  const store = openStore(config);
  const sender = createHttpSender({ timeoutMs: config.timeoutMs, maxResponseBytes: config.maxResponseBytes });
  const tokens = createTokenManager({ timeoutMs: config.timeoutMs, defaultTtlMs: config.tokenTtlSeconds * 1000 });
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
      store.close();
    },
  };
}
