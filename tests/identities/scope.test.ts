import { describe, expect, it } from 'vitest';
import { globMatches, inScope, OWNER, scopeMatcher } from '../../src/core/identity.js';

const scope = (providers: string[], tools: string[]) => ({ providers, tools });

describe('inScope: which tools an identity sees and may call', () => {
  it('lets everything through with no provider and no tool given, and for the owner', () => {
    expect(inScope(scope([], []), 'github', 'github_list_repos')).toBe(true);
    expect(inScope(OWNER, 'anything', 'any_tool')).toBe(true);
    expect(OWNER.admin).toBe(true);
  });

  it('matches provider codes exactly', () => {
    const s = scope(['github', 'jira'], []);
    expect(inScope(s, 'github', 'create_issue')).toBe(true);
    expect(inScope(s, 'jira', 'create_issue')).toBe(true);
    expect(inScope(s, 'gitlab', 'create_issue')).toBe(false);
    expect(inScope(s, 'github-enterprise', 'create_issue')).toBe(false);
    expect(inScope(s, 'GitHub', 'create_issue')).toBe(false);
  });

  it('matches tool globs over the whole tool code: * any run (also none), ? one character', () => {
    const s = scope([], ['gh_*', 'jira_get_?', 'exact.tool']);
    expect(inScope(s, 'p', 'gh_')).toBe(true);
    expect(inScope(s, 'p', 'gh_list_repos')).toBe(true);
    expect(inScope(s, 'p', 'xgh_list')).toBe(false); // anchored at the start
    expect(inScope(s, 'p', 'jira_get_1')).toBe(true);
    expect(inScope(s, 'p', 'jira_get_')).toBe(false);
    expect(inScope(s, 'p', 'jira_get_12')).toBe(false); // anchored at the end
    expect(inScope(s, 'p', 'exact.tool')).toBe(true);
    expect(inScope(s, 'p', 'exactXtool')).toBe(false); // "." is literal, not any character
  });

  it('needs both lists to let a tool through when both are given', () => {
    const s = scope(['github'], ['*_read*']);
    expect(inScope(s, 'github', 'repo_read')).toBe(true);
    expect(inScope(s, 'github', 'repo_write')).toBe(false);
    expect(inScope(s, 'jira', 'issue_read')).toBe(false);
  });

  it('treats every other character of a glob literally (no RegExp or character-class syntax)', () => {
    expect(globMatches('a-b', 'a-b')).toBe(true);
    expect(globMatches('a+', 'aa')).toBe(false);
    expect(globMatches('[ab]', 'a')).toBe(false);
    expect(globMatches('[ab]', '[ab]')).toBe(true);
    expect(globMatches('a|b', 'a')).toBe(false);
    expect(globMatches('*__search', 'mcp-server__search')).toBe(true);
    expect(globMatches('a*', 'a')).toBe(true);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('?', '')).toBe(false);
    expect(globMatches('gh-*-list', 'gh-issues-list')).toBe(true);
    expect(globMatches('gh-*-list', 'gh-issues-lists')).toBe(false);
  });

  it('matches a glob built to make a backtracking RegExp run for ages (a slow matcher would hit the test timeout)', () => {
    expect(globMatches(`$'*a'.repeat(60)*b`, 'a'.repeat(64))).toBe(false);
    expect(globMatches(`${'*a'.repeat(60)}*`, 'a'.repeat(64))).toBe(true);
  });

  it('compiles a scope once for a whole list and answers as inScope does', () => {
    const s = scope(['a'], ['x*', '?y']);
    const matches = scopeMatcher(s);
    for (const [p, t] of [
      ['a', 'x1'],
      ['a', 'zy'],
      ['a', 'zzy'],
      ['b', 'x1'],
    ] as const) {
      expect(matches(p, t)).toBe(inScope(s, p, t));
    }
    expect(['x1', 'zy', 'zzy'].filter((t) => matches('a', t))).toEqual(['x1', 'zy']);
  });
});
