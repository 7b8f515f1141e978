import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImportParameter, ImportTool, OpenApiConversion } from '../../src/catalog/openapi/index.js';

export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/openapi/${name}`, import.meta.url)), 'utf8');
}

export function tool(result: OpenApiConversion, code: string): ImportTool {
  const found = result.provider.tools.find((t) => t.code === code);
  if (found === undefined) throw new Error(`no tool ${code} in ${result.provider.tools.map((t) => t.code).join(', ')}`);
  return found;
}

export function param(t: ImportTool, name: string): ImportParameter {
  const found = t.parameters.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no parameter ${name} in ${t.code}: ${t.parameters.map((p) => p.name).join(', ')}`);
  return found;
}

/** A minimal OpenAPI 3.0 document around the given paths and components. */
export function doc(paths: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'Test API', version: '1' },
    servers: [{ url: 'https://api.test.example' }],
    paths,
    ...extra,
  };
}

export const ok = { '200': { description: 'ok' } };
