// A large registry over stdio: cold start to the first tools/list page, then the whole listing
// (every page, following nextCursor), warm listing times, and peak RSS (VmHWM).
import { performance } from 'node:perf_hooks';
import { startRawStdio, startStdio } from './launch.mjs';
import { cpuMicros, memory } from './proc.mjs';
import { spread } from './stats.mjs';

/**
 * One `tools/list` page, as a client reads it page by page: the v2 SDK's `listTools()` without a cursor
 * walks every page itself (and caches the lot), which would time the whole list as the "first page".
 */
const listPage = (client, cursor) => client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } });

async function listAll(client) {
  let cursor;
  let tools = 0;
  let pages = 0;
  const t0 = performance.now();
  let firstPageMs = NaN;
  do {
    const page = await listPage(client, cursor);
    if (pages === 0) firstPageMs = performance.now() - t0;
    pages++;
    tools += page.tools.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { tools, pages, firstPageMs, allPagesMs: performance.now() - t0 };
}

/** The same listing with raw JSON-RPC lines: what the server costs without the SDK client's parsing. */
async function rawListAll(raw) {
  let cursor;
  let pages = 0;
  const t0 = performance.now();
  let firstPageMs = NaN;
  do {
    const answer = await raw.request('tools/list', cursor === undefined ? {} : { cursor });
    if (pages === 0) firstPageMs = performance.now() - t0;
    pages++;
    cursor = answer.result.nextCursor;
  } while (cursor !== undefined);
  return { firstPageMs, allPagesMs: performance.now() - t0 };
}

async function rawListing(env, lists) {
  const raw = await startRawStdio(env);
  try {
    await rawListAll(raw);
    const runs = [];
    for (let i = 0; i < lists; i++) runs.push(await rawListAll(raw));
    return { rawListFirstPageMs: spread(runs.map((r) => r.firstPageMs)).median, rawListAllPagesMs: spread(runs.map((r) => r.allPagesMs)).median };
  } finally {
    await raw.close();
  }
}

/** One cold start of a server over a database with `expectTools` tools. */
export async function scaleRound(env, expectTools, warmLists = 5) {
  const sdk = await sdkScaleRound(env, expectTools, warmLists);
  return { ...sdk, ...(await rawListing(env, warmLists)) };
}

async function sdkScaleRound(env, expectTools, warmLists) {
  const t0 = performance.now();
  const server = await startStdio(env);
  try {
    const first = await listPage(server.client);
    const coldStartMs = performance.now() - t0;
    const cold = await listAll(server.client);
    if (cold.tools !== expectTools) throw new Error(`listed ${cold.tools} tools, expected ${expectTools}`);
    const firsts = [];
    const alls = [];
    const cpu0 = cpuMicros(server.pid);
    for (let i = 0; i < warmLists; i++) {
      const run = await listAll(server.client);
      firsts.push(run.firstPageMs);
      alls.push(run.allPagesMs);
    }
    return {
      tools: cold.tools,
      pages: cold.pages,
      firstPageTools: first.tools.length,
      coldStartMs,
      coldAllPagesMs: cold.allPagesMs,
      listFirstPageMs: spread(firsts).median,
      listAllPagesMs: spread(alls).median,
      // CPU over all the warm listings together (the tick is 10 ms), per listing.
      listAllPagesServerCpuMs: (cpuMicros(server.pid) - cpu0) / 1000 / warmLists,
      peakRssMB: memory(server.pid).peakMB,
    };
  } finally {
    await server.close();
  }
}
