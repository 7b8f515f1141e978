/**
 * The compiler the checks use: configured like the MCP SDK's own validator (strict off, formats from
 * ajv-formats, which the SDK depends on) but with meta-schema validation ON, so it is stricter than
 * what a client runs.
 */
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { ImportTool } from '../../src/catalog/openapi/index.js';

// ajv-formats is CommonJS: under NodeNext its default import is `module.exports`, the plugin itself,
// which also carries itself as `.default` (the property its types describe).
const addFormats = ajvFormats.default;

export function makeAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

/** The input schema a tool gets in tools/list: each parameter's schema, or its flat type. */
export function inputSchemaOf(tool: ImportTool): Record<string, unknown> {
  const properties = Object.fromEntries(tool.parameters.map((p) => [p.name, p.schema ?? { type: p.type.toLowerCase() }]));
  const required = tool.parameters.filter((p) => p.required).map((p) => p.name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}
