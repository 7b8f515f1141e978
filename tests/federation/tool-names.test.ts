import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/outbound/federation/backoff.js';
import { federatedToolName, isValidToolName, MAX_TOOL_NAME } from '../../src/outbound/federation/tool-names.js';

describe('federated tool names', () => {
  it('are CODE__TOOL when that is a valid MCP name', () => {
    expect(federatedToolName('gh', 'create_issue')).toBe('gh__create_issue');
    expect(federatedToolName('my.server-1', 'list-files.v2')).toBe('my.server-1__list-files.v2');
  });

  it('are cut to 128 characters with a hash suffix that keeps distinct long names distinct', () => {
    const a = federatedToolName('gh', `${'x'.repeat(200)}a`);
    const b = federatedToolName('gh', `${'x'.repeat(200)}b`);
    expect(a).toHaveLength(MAX_TOOL_NAME);
    expect(b).toHaveLength(MAX_TOOL_NAME);
    expect(a).not.toBe(b);
    expect(a.startsWith('gh__xxx')).toBe(true);
    expect(a).toMatch(/_[0-9a-f]{8}$/);
    expect(federatedToolName('gh', `${'x'.repeat(200)}a`)).toBe(a); // stable
    expect(isValidToolName(a)).toBe(true);
  });

  it('replace characters MCP names do not allow, and still tell apart names that differ only there', () => {
    const spaced = federatedToolName('fs', 'read file');
    const slashed = federatedToolName('fs', 'read/file');
    expect(isValidToolName(spaced)).toBe(true);
    expect(spaced.startsWith('fs__read_file_')).toBe(true);
    expect(spaced).not.toBe(slashed);
    expect(spaced).not.toBe('fs__read_file');
  });
});

describe('reconnection backoff', () => {
  it('doubles from the initial delay up to the maximum, and starts over after a success', () => {
    const backoff = new Backoff({ initialMs: 200, maxMs: 30_000 });
    const delays = Array.from({ length: 10 }, () => backoff.next());
    expect(delays).toEqual([200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
    backoff.reset();
    expect(backoff.next()).toBe(200);
  });
});
