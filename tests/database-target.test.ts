import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { maskUrl, parseDatabaseTarget } from '../src/core/database-target.js';
import { CLI } from './helpers/cli.js';
import { TEST_KEY } from './helpers/app.js';

describe('TOOLWIRE_DB: a SQLite path or a PostgreSQL URL (SPEC §13)', () => {
  it('takes a path as SQLite and postgres:// or postgresql:// as PostgreSQL', () => {
    expect(parseDatabaseTarget('./data/toolwire.db', 'TOOLWIRE_DB')).toEqual({ dialect: 'sqlite', path: './data/toolwire.db', display: './data/toolwire.db' });
    expect(parseDatabaseTarget('C:\\data\\toolwire.db', 'TOOLWIRE_DB').dialect).toBe('sqlite');
    const pg = parseDatabaseTarget('postgres://tw:s3cret-pass@db.internal:5432/toolwire', 'TOOLWIRE_DB');
    expect(pg).toEqual({
      dialect: 'postgres',
      url: 'postgres://tw:s3cret-pass@db.internal:5432/toolwire',
      display: 'postgres://tw:***@db.internal:5432/toolwire',
    });
    expect(parseDatabaseTarget('postgresql://db.internal/toolwire', '--db').dialect).toBe('postgres');
  });

  it('refuses any other scheme, naming the value (password masked) and what is accepted', () => {
    for (const raw of ['mysql://root:hunter22@localhost/tw', 'file:///tmp/x.db', 'https://example.com/db']) {
      let message = '';
      try {
        parseDatabaseTarget(raw, 'TOOLWIRE_DB');
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^TOOLWIRE_DB ".*" uses the scheme ".*:\/\/", which toolwire does not store in\. Give a SQLite file path .* or a PostgreSQL URL/);
      expect(message).not.toContain('hunter22');
    }
  });

  it('refuses a PostgreSQL URL without a database, and masks passwords wherever shown', () => {
    expect(() => parseDatabaseTarget('postgres://u:pw@host:5432', '--db')).toThrow(/--db "postgres:\/\/u:\*\*\*@host:5432" must name a host and a database/);
    expect(maskUrl('postgres://u:p%40ss@h/db?sslmode=require')).toBe('postgres://u:***@h/db?sslmode=require');
    expect(maskUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });

  it('requires TOOLWIRE_SECRET_KEY with PostgreSQL, and shows the URL masked in the config', () => {
    expect(() => loadConfig({ TOOLWIRE_DB: 'postgres://tw:pw@127.0.0.1/toolwire' })).toThrow(
      /TOOLWIRE_SECRET_KEY is required with PostgreSQL \(postgres:\/\/tw:\*\*\*@127\.0\.0\.1\/toolwire\)/,
    );
    const config = loadConfig({ TOOLWIRE_DB: 'postgres://tw:pw@127.0.0.1/toolwire', TOOLWIRE_SECRET_KEY: TEST_KEY });
    expect(config.database.dialect).toBe('postgres');
    expect(config.dbPath).toBe('postgres://tw:***@127.0.0.1/toolwire');
    expect(loadConfig({}, { db: '/tmp/x.db' }).database).toEqual({ dialect: 'sqlite', path: '/tmp/x.db', display: '/tmp/x.db' });
  });

  it('reads TOOLWIRE_DB_POOL (10 unless set) and refuses what is not a positive whole number', () => {
    expect(loadConfig({}).dbPool).toBe(10);
    expect(loadConfig({ TOOLWIRE_DB_POOL: '25' }).dbPool).toBe(25);
    for (const bad of ['0', '-3', 'ten', '2.5']) {
      expect(() => loadConfig({ TOOLWIRE_DB_POOL: bad })).toThrow(
        /TOOLWIRE_DB_POOL must be a positive whole number, got ".*"\. Fix or unset it \(default 10\)\./,
      );
    }
  });

  it('never turns a URL into a folder in the working directory (the CLI refuses before touching the disk)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'toolwire-dburl-'));
    const run = spawnSync(process.execPath, [CLI, '--db', 'mysql://root:hunter22@localhost/tw', 'provider', 'list'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, TOOLWIRE_SECRET_KEY: TEST_KEY },
      encoding: 'utf8',
    });
    const result = { code: run.status, stderr: run.stderr };
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('uses the scheme "mysql://"');
    expect(result.stderr).not.toContain('hunter22');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(cwd, 'mysql:'))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
