import type { ChangeFeed } from './change-feed-contract.js';
import type { Store } from './index.js';

/**
 * The SQLite change feed: polls `data_version` (which moves when another connection commits; one cheap
 * pragma), and checks that the file on disk is still the one opened. The version is recorded only once
 * the refresh it called for has succeeded: a refresh that fails is tried again at the next tick, so a
 * committed change can never be missed for good.
 */
export interface SqliteChangeFeed extends ChangeFeed {
  /** One tick now (tests, and callers that want to check at once); a tick under way is not doubled. */
  check(onChange: () => unknown, report?: (problem: string | null) => void): Promise<void>;
}

export function createSqliteChangeFeed(store: Pick<Store, 'dataVersion' | 'fileProblem'>, options: { intervalMs?: number } = {}): SqliteChangeFeed {
  const { intervalMs = 250 } = options;
  /** -1: not known yet (the first tick refreshes, which rebuilds nothing when the registry version is unchanged). */
  let last = -1;
  let checking = false;
  let timer: NodeJS.Timeout | null = null;

  async function check(onChange: () => unknown, report?: (problem: string | null) => void): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      const problem = store.fileProblem();
      if (problem) {
        report?.(problem);
        return;
      }
      const version = await store.dataVersion();
      if (version === last) return;
      await onChange();
      last = version;
      report?.(null);
    } catch (err) {
      report?.(`Could not read the database's changes (retrying): ${(err as Error).message}`);
    } finally {
      checking = false;
    }
  }

  return {
    check,
    async start(onChange, report) {
      if (timer) return;
      timer = setInterval(() => void check(onChange, report), intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    missed() {
      // This process's own commits do not move its data_version: make the next tick refresh.
      last = -1;
    },
  };
}
