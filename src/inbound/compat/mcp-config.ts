import { isJsonObject } from '../../core/json.js';
import { httpWriteRules } from '../web/write-rules.js';
import type { App } from '../../app.js';
import { isHttpUrl } from '../../catalog/resolve-provider.js';
import { serverCode, serverCodeSource } from '../../catalog/codes.js';
import type { Loc, Problems } from './openhands-errors.js';
import { resolveInto } from './provider-write.js';

type ServerProtocol = 'sse' | 'streamable_http' | 'stdio';

/** One server of `mcp_config`, checked; `key` is its identity across requests (the URL, or `stdio:` + name). */
export interface McpServerSpec {
  key: string;
  loc: Loc;
  protocol: ServerProtocol;
  name: string;
  url: string | null;
  apiKey: string | null;
  command: string | null;
  args: string[];
  env: Record<string, string> | null;
}

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
  return { key: url, loc, protocol, name: `${parsed.host}${parsed.pathname}`, url, apiKey, command: null, args: [], env: null };
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
  return { key: `stdio:${name}`, loc, protocol: 'stdio', name, url: null, apiKey: null, command, args, env };
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

/** The provider fields of a server: `kind: "mcp"`, and its `api_key` as the bearer credential. */
function providerFields(spec: McpServerSpec): Record<string, unknown> {
  return {
    name: spec.name,
    kind: 'mcp',
    protocol: spec.protocol,
    url: spec.url,
    command: spec.command,
    args: spec.args,
    ...(spec.env ? { env: spec.env } : {}),
    ...(spec.apiKey ? { apiKeyValue: spec.apiKey, authenticationType: 'BEARER_TOKEN' } : {}),
  };
}

export interface McpConfigResult {
  registered: Array<{ code: string; protocol: ServerProtocol; server: string; status: 'created' | 'updated' }>;
  removed: string[];
}

const FIELD_LOC: Record<string, string> = { url: 'url', command: 'command', apiKeyValue: 'api_key', env: 'env' };

/**
 * Makes the servers registered through `mcp_config` exactly `specs`, inside the caller's transaction:
 * servers no longer listed are removed (only those this endpoint registered), the others created or updated.
 */
export function applyMcpConfig(app: App, specs: McpServerSpec[], problems: Problems): McpConfigResult {
  const { providers } = app.store;
  const marks = app.store.mcpRegistrations;
  const current = marks.list();
  const wanted = new Set(specs.map((s) => s.key));
  const result: McpConfigResult = { registered: [], removed: [] };
  for (const mark of current) {
    if (wanted.has(mark.serverKey)) continue;
    const gone = providers.findById(mark.providerId);
    if (gone && providers.remove(gone.id)) result.removed.push(gone.code);
  }
  const byKey = new Map(current.map((m) => [m.serverKey, m.providerId]));
  for (const spec of specs) {
    const id = byKey.get(spec.key);
    const existing = (id !== undefined && providers.findById(id)) || null;
    // SPEC §9: over HTTP a stdio server that would run something new needs TOOLWIRE_ALLOW_STDIO_UPSTREAMS=1.
    const subject = `mcp_config.${spec.loc.slice(2).join('.')} ("${spec.name}")`;
    const fieldLoc = (field: string) => (FIELD_LOC[field] ? [FIELD_LOC[field]] : []);
    const server = spec.url ?? spec.name;
    if (existing) {
      const record = resolveInto(providerFields(spec), existing, spec.loc, problems, fieldLoc, httpWriteRules(app), subject)?.record;
      // mcp_config is the whole truth about its servers: one listed without api_key has none now
      // (its vault credential, if any, takes over); a masked stand-in still keeps the stored key.
      if (record && !spec.apiKey && spec.protocol !== 'stdio') {
        record.apiKeyValue = null;
        record.authenticationType = 'NONE';
      }
      if (record) result.registered.push({ code: providers.update(existing.id, record).code, protocol: spec.protocol, server, status: 'updated' });
      continue;
    }
    const code = serverCode(serverCodeSource(spec), spec.key, (c) => providers.findByCode(c) !== undefined);
    const record = resolveInto({ ...providerFields(spec), code }, null, spec.loc, problems, fieldLoc, httpWriteRules(app), subject)?.record;
    if (!record) continue;
    const created = providers.insert(record);
    marks.add(created.id, spec.key);
    result.registered.push({ code: created.code, protocol: spec.protocol, server, status: 'created' });
  }
  return result;
}
