import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { convertOpenApi } from '../../src/catalog/openapi/index.js';
import { inputSchemaOf, makeAjv } from './ajv.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe("GitHub's full REST description (@octokit/openapi)", () => {
  it('imports or skips every operation, and every schema compiles', async () => {
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
    const text = readFileSync(file, 'utf8');
    const doc = JSON.parse(text) as { paths: Record<string, Record<string, unknown>> };
    const total = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).filter((k) => METHODS.includes(k)).length, 0);
    const progress: Array<[number, number]> = [];
    const started = performance.now();
    const result = await convertOpenApi(text, { onProgress: (done, all) => progress.push([done, all]) });
    const ms = Math.round(performance.now() - started);

    const tools = result.provider.tools;
    expect(total).toBeGreaterThan(1000);
    expect(tools.length + result.skipped.length).toBe(total);
    for (const skip of result.skipped) expect(skip.reason).toMatch(/\S/);
    expect(new Set(tools.map((t) => t.code)).size).toBe(tools.length);
    for (const tool of tools) expect(tool.code).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    expect(result.provider.baseUrl).toBe('https://api.github.com');
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.length).toBeGreaterThanOrEqual(Math.floor(total / 100));

    const ajv = makeAjv();
    let outputs = 0;
    for (const tool of tools) {
      expect(() => ajv.compile(inputSchemaOf(tool)), `input schema of ${tool.code}`).not.toThrow();
      if (tool.outputSchema !== null) {
        outputs++;
        expect(tool.outputSchema.type).toBe('object');
        expect(() => ajv.compile(tool.outputSchema!), `output schema of ${tool.code}`).not.toThrow();
      }
    }
    const bytes = JSON.stringify(result.provider).length;
    console.error(
      `GitHub: ${total} operations → ${tools.length} tools, ${result.skipped.length} skipped, ` +
        `${outputs} output schemas, ${(bytes / 1e6).toFixed(1)} MB of import JSON, converted in ${ms} ms`,
    );
  }, 300_000);
});
