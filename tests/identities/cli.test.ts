import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { runCli, runCliAsync, type CliResult } from '../helpers/cli.js';
import { tempDir, testEnv } from '../helpers/app.js';

/** `toolwire client …` end to end, as a user runs it against a database file. */

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const TOKEN = /^twc_[A-Za-z0-9_-]{43}$/;

/** Debug logging on, so a token that reached any log line would show on stderr. */
function fresh() {
  const env = testEnv(tempDir(), { TOOLWIRE_LOG_LEVEL: 'debug' });
  const run = (...args: string[]) => runCli(args, env);
  return { env, run, db: env.TOOLWIRE_DB as string };
}

/** The token a successful `add`/`rotate` printed: alone on stdout. */
function tokenOf(result: CliResult): string {
  expect(result.code, result.stderr).toBe(0);
  const token = result.stdout.trim();
  expect(token).toMatch(TOKEN);
  expect(result.stdout).toBe(`${token}\n`);
  return token;
}

/** The bytes of the database and its -wal/-shm files, as one buffer to search. */
function databaseBytes(db: string): Buffer {
  return Buffer.concat([db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

describe('toolwire client', () => {
  it('adds, lists, rotates and removes identities; a token is printed once and never again', () => {
    const { run, db } = fresh();
    expect(run('provider', 'add', '--code', 'github', '--base-url', 'https://api.github.com').code).toBe(0);

    const add = run('client', 'add', 'alice', '--provider', 'github', '--tool', 'gh_*', '--tool', 'repo_?', '--admin');
    const first = tokenOf(add);
    expect(add.stderr).toContain('Client "alice" created.');
    expect(add.stderr).toContain('shown only this once');
    expect(add.stderr.trim().split('\n')).toHaveLength(1);
    const bob = tokenOf(run('client', 'add', 'bob'));

    const list = run('client', 'list');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(['NAME', 'PROVIDERS', 'TOOLS', 'ADMIN', 'RATE', 'CREATED', 'SUBJECT']);
    expect(lines[1]?.split(/\s+/).slice(0, 4)).toEqual(['alice', 'github', 'gh_*,repo_?', 'yes']);
    expect(lines[2]?.split(/\s+/).slice(0, 4)).toEqual(['bob', 'all', 'all', 'no']);
    const listed = JSON.parse(run('client', 'list', '--json').stdout);
    expect(listed).toEqual([
      {
        name: 'alice',
        providers: ['github'],
        tools: ['gh_*', 'repo_?'],
        admin: true,
        createdAt: expect.any(String),
        rotatedAt: null,
        subject: null,
        rateLimit: null,
      },
      { name: 'bob', providers: [], tools: [], admin: false, createdAt: expect.any(String), rotatedAt: null, subject: null, rateLimit: null },
    ]);

    const rotate = run('client', 'rotate', 'alice');
    const second = tokenOf(rotate);
    expect(second).not.toBe(first);
    expect(rotate.stderr).toContain('the old one no longer works');
    expect(JSON.parse(run('client', 'list', '--json').stdout)[0].rotatedAt).toEqual(expect.any(String));

    const remove = run('client', 'remove', 'bob');
    expect(remove.code).toBe(0);
    expect(remove.stderr).toContain('Client "bob" removed');
    expect(JSON.parse(run('client', 'list', '--json').stdout).map((c: { name: string }) => c.name)).toEqual(['alice']);

    // Only the hash of the current token is stored; no token (nor its random part) is in any output after its one printing, or in the files.
    const stored = new BetterSqlite3(db, { readonly: true });
    expect(stored.prepare('SELECT token_hash FROM clients').pluck().all()).toEqual([createHash('sha256').update(second).digest('hex')]);
    stored.close();
    const later = [list, remove, run('client', 'list'), run('client', 'list', '--json')].map((r) => r.stdout + r.stderr).join('\n');
    const bytes = databaseBytes(db);
    for (const token of [first, second, bob]) {
      expect(later).not.toContain(token.slice(4));
      expect(bytes.includes(token)).toBe(false);
      expect(bytes.includes(token.slice(4))).toBe(false);
    }
    for (const token of [first, second]) expect(add.stderr + rotate.stderr).not.toContain(token.slice(4));
  });

  it('refuses bad input with one clear message, exit 1 (2 for a command line that cannot run), nothing written', () => {
    const { run } = fresh();
    tokenOf(run('client', 'add', 'alice'));
    const before = run('client', 'list', '--json').stdout;

    const cases: Array<[string[], number, string]> = [
      [['client', 'add', 'al/ice'], 1, 'name must be 1-64 of'],
      [['client', 'add', 'bob', '--provider', 'nope'], 1, 'names provider "nope", which does not exist; `toolwire provider list`'],
      [['client', 'add', 'bob', '--tool', 'a b'], 1, 'tools[0] must be a tool code or a glob'],
      [['client', 'add', 'alice'], 1, 'A client named "alice" already exists'],
      [['client', 'remove', 'bob'], 1, 'No client named "bob". `toolwire client list`'],
      [['client', 'rotate', 'bob'], 1, 'No client named "bob"'],
      [['client', 'add'], 2, 'Missing the client name'],
      [['client', 'frob'], 2, 'Unknown client action "frob"'],
      [['client', 'list', '--admin'], 2, '--admin belong to `toolwire client add`'],
      [['client', 'update', 'alice'], 2, 'Nothing to change'],
      [['client', 'update', 'alice', '--admin', '--no-admin'], 2, '--admin and --no-admin contradict'],
      [['client', 'update', 'alice', '--tool', 'x', '--no-tools'], 2, '--tool and --no-tools contradict'],
      [['client', 'add', 'bob', '--no-tools'], 2, '--no-tools belongs to `toolwire client update`'],
      [['client', 'update', 'bob', '--admin'], 1, 'No client named "bob"'],
      [['client', 'update', 'alice', '--provider', 'nope'], 1, 'providers[0]'],
      [['client', 'add', 'bob', '--bogus'], 2, 'Unknown option'],
    ];
    for (const [args, exit, message] of cases) {
      const result = run(...args);
      expect(result.code, args.join(' ')).toBe(exit);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(run('client', 'list', '--json').stdout).toBe(before);
  });

  it("is noticed by a running server: another process's add, rotate and remove reach its registry watcher and its token lookups", async () => {
    const { env } = fresh();
    app = await createApp(loadConfig(env));
    await app.registry.load(); // a running server has loaded its registry
    const before = app.registry.current().version;
    let told = 0;
    app.registry.onChange(() => told++);

    const added = await runCliAsync(['client', 'add', 'carol'], env);
    const first = tokenOf(added);
    await app.registry.checkForChanges();
    const afterAdd = app.registry.current().version;
    expect(afterAdd).not.toBe(before);
    await new Promise((resolve) => setImmediate(resolve));
    expect(told).toBe(1);
    expect((await app.catalog.clients.findClientByToken(first))?.name).toBe('carol');

    const second = tokenOf(await runCliAsync(['client', 'rotate', 'carol'], env));
    await app.registry.checkForChanges();
    expect(app.registry.current().version).not.toBe(afterAdd);
    expect(await app.catalog.clients.findClientByToken(first)).toBeNull();
    expect((await app.catalog.clients.findClientByToken(second))?.name).toBe('carol');

    expect((await runCliAsync(['client', 'remove', 'carol'], env)).code).toBe(0);
    const beforeRemove = app.registry.current().version;
    await app.registry.checkForChanges();
    expect(app.registry.current().version).not.toBe(beforeRemove);
    expect(await app.catalog.clients.findClientByToken(second)).toBeNull();
  });
});
