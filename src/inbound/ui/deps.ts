import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Log } from '../../core/log.js';
import type { SessionBook } from './sessions.js';

/** Who a token is at /admin: the owner or an `--admin` client (`allowed`), another client (`forbidden`), nobody (`unknown`). */
export type AdminAccess = { access: 'allowed'; who: string } | { access: 'forbidden' | 'unknown' };

/** What the web admin uses (SPEC §16); built by `inbound/http/server.ts`, which keeps `App` to itself. */
export interface UiDeps {
  sessions: SessionBook;
  /** The /admin check, given a token (the one signed in with, re-checked on every request). */
  access(token: string): AdminAccess;
  /** Answers an admin API request (`path` after /admin) as the holder of `token`, exactly as /admin would. */
  admin(req: IncomingMessage, res: ServerResponse, path: string, token: string): Promise<void>;
  /** Set the cookie's Secure flag (off only when served on loopback). */
  secureCookie: boolean;
  log: Log;
}
