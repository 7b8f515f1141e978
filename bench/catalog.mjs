// The bench's catalog: one provider (bearer token) with the measured tool, plus N generated tools,
// written as an import file (README "Import and export format") and loaded with `toolwire import`.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CALL_TOOL = 'bench-get-item';
export const CALL_ARGS = { id: '42', q: 'hello world' };

function generatedTool(i) {
  return {
    name: `Generated tool ${i}`,
    code: `gen-${i}`,
    description: `Generated tool number ${i}: fetches one record of collection ${i % 97} by id, with optional filters. Used to measure a large registry.`,
    endpointPath: `/collections/c${i % 97}/records/{recordId}`,
    httpMethod: i % 3 === 0 ? 'POST' : 'GET',
    parameters: [
      { name: 'recordId', type: 'STRING', required: true, description: 'The record id.' },
      { name: 'fields', type: 'STRING', required: false, description: 'Comma-separated fields to return.' },
      { name: 'limit', type: 'INTEGER', required: false, description: 'At most this many items.', defaultValue: '10' },
    ],
  };
}

export function catalog(upstreamUrl, token, extraTools) {
  const tools = [
    {
      name: 'Get item',
      code: CALL_TOOL,
      description: 'Fetches one item by id from the bench upstream.',
      endpointPath: '/items/{id}',
      httpMethod: 'GET',
      parameters: [
        { name: 'id', type: 'STRING', required: true, description: 'Item id.' },
        { name: 'q', type: 'STRING', required: false, description: 'A search string.' },
      ],
    },
  ];
  for (let i = 0; i < extraTools; i++) tools.push(generatedTool(i));
  return [{ name: 'Bench upstream', code: 'bench', baseUrl: upstreamUrl, authenticationType: 'BEARER_TOKEN', apiKeyValue: token, tools }];
}

/**
 * Issue 14's comparison: the bench provider as `per_user_or_shared` and two client identities — one with
 * its own credential (the same token, so the upstream accepts it), one without (it falls back to the
 * shared one). Returns their bearer tokens.
 */
export function addPerUserClients({ cli, env, token }) {
  const run = (args, input) =>
    execFileSync(process.execPath, [cli, ...args], { env, input, stdio: ['pipe', 'pipe', 'pipe'] })
      .toString()
      .trim();
  run(['provider', 'update', 'bench', '-'], JSON.stringify({ credentialMode: 'per_user_or_shared' }));
  const shared = run(['client', 'add', 'bench-shared']);
  const own = run(['client', 'add', 'bench-own']);
  run(['credential', 'set', '--client', 'bench-own', '--provider', 'bench'], JSON.stringify({ apiKeyValue: token }));
  return { shared, own };
}

/** Imports the catalog into the database named by env.TOOLWIRE_DB (fresh temp file). */
export function loadCatalog({ cli, env, dir, upstreamUrl, token, extraTools = 0 }) {
  const file = join(dir, `catalog-${extraTools}.json`);
  writeFileSync(file, JSON.stringify(catalog(upstreamUrl, token, extraTools)));
  execFileSync(process.execPath, [cli, 'import', file], { env, stdio: ['ignore', 'ignore', 'pipe'] });
}
