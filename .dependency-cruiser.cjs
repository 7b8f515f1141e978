/**
 * The import rules of src/ (see ARCHITECTURE.md, "The layers"). `npm run lint:deps` checks them and
 * `npm test` runs it first, so a violation fails the suite.
 *
 *   core ← store ← catalog ← registry ← outbound ← ops ← app ← inbound ← commands ← cli
 *
 * Each layer imports only from layers to its left (and from itself); config.ts sits with core and
 * imports only core; core imports nothing of ours outside core. Type-only imports count too
 * (tsPreCompilationDeps), and no file imports itself back through a cycle.
 */

/** Left to right: each entry may import only the entries before it (and itself). */
const LAYERS = [
  { name: 'core', path: '^src/core/' },
  { name: 'config', path: '^src/config[.]ts$' },
  { name: 'store', path: '^src/store/' },
  { name: 'catalog', path: '^src/catalog/' },
  { name: 'registry', path: '^src/registry/' },
  { name: 'outbound', path: '^src/outbound/' },
  { name: 'ops', path: '^src/ops/' },
  { name: 'app', path: '^src/app[.]ts$' },
  { name: 'inbound', path: '^src/inbound/' },
  { name: 'commands', path: '^src/commands/' },
  { name: 'cli', path: '^src/cli[.]ts$' },
];

const anyOf = (paths) => `(${paths.join('|')})`;

/** Layer i must not import any layer to its right. config.ts is listed right after core, so config.ts
 *  imports only core, and core may not import config.ts (core imports nothing of ours). */
const layerRules = LAYERS.map((layer, i) => {
  const higher = LAYERS.slice(i + 1).map((l) => l.path);
  if (higher.length === 0) return undefined;
  return {
    name: `layer-${layer.name}`,
    comment: `${layer.name} imports only from layers to its left (ARCHITECTURE.md, "The layers").`,
    severity: 'error',
    from: { path: layer.path },
    to: { path: anyOf(higher) },
  };
}).filter(Boolean);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle between files (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'store-only-through-catalog',
      comment:
        'The catalog is the only writer and the only reader the APIs have: inbound/ reaches data through catalog ' +
        'operations, never the store (type-only imports included; a type it needs lives in core or the catalog).',
      severity: 'error',
      from: { path: '^src/inbound/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'commands-store-files-only',
      comment:
        'Commands go through the catalog too; only the files beside the database (secret-files.ts: key and token ' +
        'files), key rotation (key-rotation.ts, which reseals every secret itself) and `db copy` (copy.ts, row by row ' +
        'between two databases) are theirs to open.',
      severity: 'error',
      from: { path: '^src/(commands/|cli[.]ts$)' },
      to: { path: '^src/store/', pathNot: '^src/store/(secret-files|key-rotation|copy)[.]ts$' },
    },
    {
      name: 'inbound-handlers-not-app',
      comment:
        'Inbound handlers get the narrow dependencies they use (AdminDeps, CompatDeps), built from the App where ' +
        'the routes are mounted: only inbound/http/server.ts and inbound/http/api-deps.ts see App.',
      severity: 'error',
      from: { path: '^src/inbound/', pathNot: '^src/inbound/http/(server|api-deps)[.]ts$' },
      to: { path: '^src/app[.]ts$' },
    },
    {
      name: 'no-mcp-sdk-v1',
      comment:
        'src/ is on the v2 MCP SDK (@modelcontextprotocol/server, /client; issue 13): the v1 package ' +
        '@modelcontextprotocol/sdk is a devDependency for test fixtures that play 2025-only upstreams.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '(^|/)node_modules/@modelcontextprotocol/sdk/|^@modelcontextprotocol/sdk(/|$)' },
    },
    {
      name: 'layer-unknown',
      comment: 'Every file of src/ belongs to a layer: add a new top-level folder or file to LAYERS in ' + '.dependency-cruiser.cjs and to ARCHITECTURE.md.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: anyOf(LAYERS.map((l) => l.path)) },
    },
    {
      name: 'src-not-to-tests',
      comment: 'The product never imports the tests (tests may import src).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tests|bench|scripts|dist)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve to a file or an installed package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'src-not-to-dev-dep',
      comment: 'The product must not import a devDependency (it is not installed for users).',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
