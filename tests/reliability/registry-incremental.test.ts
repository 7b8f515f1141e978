import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { buildSnapshot } from '../../src/registry/build.js';
import { createHttpToolFactory } from '../../src/outbound/http/http-tool.js';
import { createKeptAnswers } from '../../src/outbound/answers/kept-answers.js';
import { connect, makeApp } from '../helpers/app.js';

// Issue 11: every write rebuilt the whole registry (1,222 GitHub tools: a small write stalled calls
// for up to 0.55 s). Now a rebuild reads only the tools changed since the last one and patches the
// last snapshot when it can. Whatever the sequence of changes, what agents see must be exactly what a
// build from scratch gives.

let app: App;
afterEach(async () => {
  await app?.close();
});

async function fromScratch(app: App) {
  const snapshot = await buildSnapshot(
    app.store,
    createHttpToolFactory({
      sender: app.sender,
      tokens: { getToken: async () => '', invalidate: () => ({ retry: false }), isInvalidation: () => false } as never,
      answers: { kept: createKeptAnswers(), maxResultTokens: app.config.maxResultTokens },
    }),
    [],
  );
  return snapshot.definitions;
}

describe('incremental registry rebuilds', () => {
  it('after each kind of change, tools/list equals a build from scratch', async () => {
    app = await makeApp();
    const client = await connect(app);
    const listed = async () => {
      const names: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        names.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return names;
    };
    await app.catalog.createProvider({ name: 'A', code: 'a', baseUrl: 'http://127.0.0.1:9' });
    await app.catalog.createProvider({ name: 'B', code: 'b', baseUrl: 'http://127.0.0.1:9' });
    for (let i = 0; i < 30; i++) {
      await app.catalog.createTool({
        name: `T${i}`,
        code: `t${i}`,
        providerCode: i % 2 ? 'a' : 'b',
        endpointPath: `/t/${i}`,
        httpMethod: 'GET',
        parameters: [{ name: 'q', type: 'STRING' }],
      });
    }
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['update a description', async () => app.catalog.updateTool('t3', { description: 'changed' })],
      ['change parameters', async () => app.catalog.updateTool('t4', { parameters: [{ name: 'id', type: 'INTEGER', required: true }] })],
      ['add a tool', async () => app.catalog.createTool({ name: 'New', code: 'new', providerCode: 'a', endpointPath: '/new' })],
      ['disable a tool', async () => app.catalog.updateTool('t5', { enabled: false })],
      ['re-enable it', async () => app.catalog.updateTool('t5', { enabled: true })],
      ['rename a tool', async () => app.catalog.updateTool('t6', { code: 't6-renamed' })],
      ['remove a tool', async () => app.catalog.removeTool('t7')],
      ['move a tool to the other provider', async () => app.catalog.updateTool('t8', { providerCode: 'a' })],
      ['disable a provider', async () => app.catalog.updateProvider('b', { enabled: false })],
      ['update a tool of the disabled provider', async () => app.catalog.updateTool('t10', { description: 'while off' })],
      ['enable it again', async () => app.catalog.updateProvider('b', { enabled: true })],
      ['rename a provider', async () => app.catalog.updateProvider('a', { code: 'a2' })],
      ['switch a provider to meta mode', async () => app.catalog.updateProvider('b', { toolMode: 'meta' })],
      ['update a tool of the meta provider', async () => app.catalog.updateTool('t12', { description: 'meta tool changed' })],
      ['back to direct', async () => app.catalog.updateProvider('b', { toolMode: 'direct' })],
      ['remove a provider', async () => app.catalog.removeProvider('a2')],
      ['add one after everything', async () => app.catalog.createTool({ name: 'Last', code: 'last', providerCode: 'b', endpointPath: '/last' })],
    ];
    for (const [what, change] of steps) {
      await change();
      expect(await listed(), what).toEqual(JSON.parse(JSON.stringify(await fromScratch(app))));
      expect(app.registry.current().entries.size, what).toBe((await fromScratch(app)).length);
    }
    // Calls reach the changed tool as it is now.
    const changed = (await client.listTools()).tools.find((t) => t.name === 't4');
    expect(changed?.inputSchema.required).toEqual(['id']);
  });
});
