import { describe, expect, it } from 'vitest';
import { CodeAllocator, codeFromName, codeFromRoute, codeFromTitle, sanitizeCode, serverCode, serverCodeSource } from '../../src/catalog/codes.js';

const none = () => false;
const takenOf = (...codes: string[]) => {
  const set = new Set(codes);
  return (code: string) => set.has(code);
};

describe('codes from a display name (admin API, CLI, import)', () => {
  it.each([
    ['GitHub API', 'github-api'],
    ['  Café  Señor!! ', 'cafe-sen-or'], // NFKD splits the accents off; each becomes a separator,
    ['a.b_c-d', 'a.b_c-d'],
    ['x'.repeat(80), 'x'.repeat(56)],
  ])('%j → %s', async (name, code) => {
    expect(await codeFromName(name, none, 'provider')).toBe(code);
  });

  it('takes the first free -2, -3… suffix', async () => {
    expect(await codeFromName('GitHub API', takenOf('github-api', 'github-api-2'), 'tool')).toBe('github-api-3');
  });

  it('makes up a prefixed random code when the name has nothing usable', async () => {
    expect(await codeFromName('!!!', none, 'tool')).toMatch(/^tool-[0-9a-f]{8}$/);
  });
});

describe('codes of an OpenAPI import', () => {
  it('sanitizes operation ids, keeping case, and cuts at 64', () => {
    expect(sanitizeCode('  list Repos//for user? ')).toBe('list_Repos_for_user');
    expect(sanitizeCode(`${'a'.repeat(63)}__b`)).toBe('a'.repeat(63));
  });

  it('derives a tool code from the route and a provider code from the title', () => {
    expect(codeFromRoute('GET', '/repos/{owner}/{repo}/issues')).toBe('get_repos_owner_repo_issues');
    expect(codeFromRoute('POST', '/')).toBe('post');
    expect(codeFromTitle("Swagger Petstore's API")).toBe('swagger-petstores-api');
    expect(codeFromTitle('!!!')).toBe('openapi');
  });

  it('hands out _2, _3… for repeats, cutting the base so the code stays within 64', () => {
    const codes = new CodeAllocator();
    expect([codes.take('get_x'), codes.take('get_x'), codes.take('get_x')]).toEqual(['get_x', 'get_x_2', 'get_x_3']);
    const long = 'y'.repeat(64);
    expect(codes.take(long)).toBe(long);
    expect(codes.take(long)).toBe(`${'y'.repeat(62)}_2`);
  });
});

describe('codes of upstream MCP servers (mcp_config)', () => {
  it('reads a URL as host, port and path, and a stdio server by its name', () => {
    expect(serverCodeSource({ url: 'https://mcp.example.com:8443/v1/mcp?x=1', name: 'ignored' })).toBe('mcp.example.com-8443/v1/mcp');
    expect(serverCodeSource({ url: null, name: 'github' })).toBe('github');
  });

  it('slugs the source, and falls back to a hash of the server key when taken or too long', async () => {
    expect(await serverCode('mcp.example.com/v1/mcp', 'https://mcp.example.com/v1/mcp', none)).toBe('mcp.example.com-v1-mcp');
    const taken = await serverCode('mcp.example.com/v1/mcp', 'http://mcp.example.com/v1/mcp', takenOf('mcp.example.com-v1-mcp'));
    expect(taken).toMatch(/^mcp\.example\.com-v1-mcp-[0-9a-f]{8}$/);
    expect(await serverCode('mcp.example.com/v1/mcp', 'http://mcp.example.com/v1/mcp', takenOf('mcp.example.com-v1-mcp', taken))).toBe(`${taken}-2`);
    expect(await serverCode('/', 'stdio:x', none)).toMatch(/^mcp-[0-9a-f]{8}$/);
    expect(await serverCode('a'.repeat(70), 'k', none)).toMatch(new RegExp(`^${'a'.repeat(50)}-[0-9a-f]{8}$`));
  });
});
