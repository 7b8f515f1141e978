import { isJsonObject } from '../../core/json.js';
import type { McpServerEntry, ServerProtocol } from '../../catalog/mcp-registrations.js';
import { isHttpUrl } from '../../catalog/resolve-provider.js';
import type { Loc, Problems } from './openhands-errors.js';

/** One server of `mcp_config`, checked, and where the request listed it. */
export interface McpServerSpec extends McpServerEntry {
  loc: Loc;
}

/** How messages name a server: where it is listed, and its name. */
const subjectOf = (loc: Loc, name: string) => `mcp_config.${loc.slice(2).join('.')} ("${name}")`;

const LISTS: Record<string, ServerProtocol> = { sse_servers: 'sse', shttp_servers: 'streamable_http', stdio_servers: 'stdio' };

function parseUrlServer(item: Record<string, unknown>, protocol: ServerProtocol, loc: Loc, problems: Problems): McpServerSpec | null {
  const url = problems.requiredString(item.url, [...loc, 'url'], 'the URL of the MCP server, such as https://mcp.example.com/mcp');
  const apiKey = problems.optionalString(item.api_key, [...loc, 'api_key'])?.trim() || null;
  if (url === null) return null;
  if (!isHttpUrl(url)) {
    problems.add([...loc, 'url'], `URL must be an absolute http(s) URL such as https://mcp.example.com/mcp (got ${JSON.stringify(url.slice(0, 80))}).`);
    return null;
  }
  const parsed = new URL(url);
  const name = `${parsed.host}${parsed.pathname}`;
  return { key: url, loc, subject: subjectOf(loc, name), protocol, name, url, apiKey, command: null, args: [], env: null };
}

function parseStdioServer(item: Record<string, unknown>, loc: Loc, problems: Problems): McpServerSpec | null {
  const name = problems.requiredString(item.name, [...loc, 'name'], 'a name for the server, such as "github"');
  const command = problems.requiredString(item.command, [...loc, 'command'], 'the program to run, such as "npx"');
  let args: string[] = [];
  if (Array.isArray(item.args)) {
    item.args.forEach((arg, i) => {
      if (typeof arg !== 'string') problems.add([...loc, 'args', i], 'Input should be a valid string.', 'string_type');
    });
    args = item.args.filter((arg): arg is string => typeof arg === 'string');
  } else if (item.args !== undefined && item.args !== null) {
    problems.add([...loc, 'args'], "Input should be a valid list of strings (the command's arguments).", 'list_type');
  }
  let env: Record<string, string> | null = null;
  if (isJsonObject(item.env)) {
    for (const [key, value] of Object.entries(item.env))
      if (typeof value !== 'string') problems.add([...loc, 'env', key], 'Input should be a valid string.', 'string_type');
    env = Object.fromEntries(Object.entries(item.env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } else if (item.env !== undefined && item.env !== null) {
    problems.add([...loc, 'env'], 'Input should be a valid dictionary of environment variables (name → string value).', 'dict_type');
  }
  if (name === null || command === null) return null;
  return { key: `stdio:${name}`, loc, subject: subjectOf(loc, name), protocol: 'stdio', name, url: null, apiKey: null, command, args, env };
}

/** Checks the shape of `mcp_config`; null when it was not given (then the registered servers stay as they are). */
export function parseMcpConfig(raw: unknown, problems: Problems): McpServerSpec[] | null {
  if (raw === undefined || raw === null) return null;
  if (!isJsonObject(raw)) {
    problems.add(['body', 'mcp_config'], 'Input should be an object with sse_servers, shttp_servers and stdio_servers lists.', 'model_type');
    return null;
  }
  for (const key of Object.keys(raw)) {
    if (!(key in LISTS))
      problems.add(
        ['body', 'mcp_config', key],
        'Extra inputs are not permitted: mcp_config takes only sse_servers, shttp_servers and stdio_servers.',
        'extra_forbidden',
      );
  }
  const specs: McpServerSpec[] = [];
  const seen = new Map<string, Loc>();
  for (const [list, protocol] of Object.entries(LISTS)) {
    const items = raw[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) {
      problems.add(['body', 'mcp_config', list], 'Input should be a valid list of servers.', 'list_type');
      continue;
    }
    items.forEach((item, i) => {
      const loc = ['body', 'mcp_config', list, i];
      if (!isJsonObject(item)) {
        problems.add(loc, `Input should be an object (${protocol === 'stdio' ? 'name, command, args, env' : 'url, api_key'}).`, 'model_type');
        return;
      }
      const spec = protocol === 'stdio' ? parseStdioServer(item, loc, problems) : parseUrlServer(item, protocol, loc, problems);
      if (!spec) return;
      const earlier = seen.get(spec.key);
      if (earlier) {
        problems.add(
          loc,
          `This server is already listed at ${earlier.slice(1).join('.')}: list each server once (a URL in one list only, each stdio name once).`,
        );
        return;
      }
      seen.set(spec.key, loc);
      specs.push(spec);
    });
  }
  return specs;
}
