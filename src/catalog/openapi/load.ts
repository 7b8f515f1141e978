/**
 * Turns the user's input (JSON or YAML text, or an object) into one dereferenced OpenAPI 3.x object.
 * Swagger 2.0 goes through swagger2openapi; `$ref`s are resolved by swagger-parser with every
 * external resolver off, so nothing is ever read from disk or the network.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { convertObj } from 'swagger2openapi';
import { parse as parseYaml } from 'yaml';
import { ToolwireError } from '../../core/errors.js';
import { checkRefs } from './refs.js';
import { isRecord, type Dict } from './util.js';

const NOT_OPENAPI = 'Not an OpenAPI document: expected a top-level "openapi: 3.x" or "swagger: \\"2.0\\"" field.';

export interface LoadedDocument {
  doc: Dict;
  warnings: string[];
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

function parseText(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') throw new ToolwireError('INVALID_INPUT', 'The OpenAPI document is empty.');
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch (err) {
      throw new ToolwireError('INVALID_INPUT', `The OpenAPI document is not valid JSON: ${firstLine(err)}`, { cause: err });
    }
  }
  try {
    return parseYaml(trimmed, { uniqueKeys: false, merge: true, maxAliasCount: 10_000 });
  } catch (err) {
    throw new ToolwireError('INVALID_INPUT', `The OpenAPI document is neither JSON nor valid YAML: ${firstLine(err)}`, { cause: err });
  }
}

/** Fixes the version quirks swagger-parser rejects outright (numbers, patch versions it does not list). */
function normalizeVersion(doc: Dict, warnings: string[]): 'swagger2' | 'openapi3' {
  if (doc.swagger === '2.0' || doc.swagger === 2 || doc.swagger === '2') {
    doc.swagger = '2.0';
    return 'swagger2';
  }
  const version = String(doc.openapi ?? '');
  if (/^3\.0(\.|$)/.test(version)) doc.openapi = '3.0.3';
  else if (/^3\.1(\.|$)/.test(version)) doc.openapi = '3.1.0';
  else if (/^3\.\d+/.test(version)) {
    warnings.push(`OpenAPI ${version} is read as 3.1; features newer than 3.1 are ignored.`);
    doc.openapi = '3.1.0';
  } else throw new ToolwireError('INVALID_INPUT', NOT_OPENAPI);
  return 'openapi3';
}

function fixCommonMistakes(doc: Dict): void {
  if (isRecord(doc.info) && typeof doc.info.version !== 'string') doc.info.version = String(doc.info.version ?? '');
  if (!isRecord(doc.info)) doc.info = { title: '', version: '' };
  if (!isRecord(doc.paths)) doc.paths = {};
}

async function toOpenApi3(doc: Dict): Promise<Dict> {
  let converted: unknown;
  try {
    // `resolve: false` (its default, said aloud): swagger2openapi would otherwise fetch external refs itself.
    converted = await convertObj(doc, { patch: true, warnOnly: true, direct: true, resolve: false });
  } catch (err) {
    throw new ToolwireError('INVALID_INPUT', `The Swagger 2.0 document could not be converted: ${firstLine(err)}`, { cause: err });
  }
  if (!isRecord(converted)) throw new ToolwireError('INVALID_INPUT', 'The Swagger 2.0 document could not be converted: no document produced');
  return converted;
}

async function dereference(doc: Dict): Promise<Dict> {
  try {
    const result: unknown = await SwaggerParser.dereference(doc as never, {
      resolve: { external: false, file: false, http: false },
      dereference: { circular: true },
    });
    return result as Dict;
  } catch (err) {
    throw new ToolwireError('INVALID_INPUT', `The OpenAPI document's $refs could not be resolved: ${firstLine(err)}`, { cause: err });
  }
}

/** Parses, converts and dereferences; circular schemas stay as object cycles (the schema cleaner cuts them). */
export async function loadDocument(source: string | object): Promise<LoadedDocument> {
  const parsed = typeof source === 'string' ? parseText(source) : structuredClone(source);
  if (!isRecord(parsed)) throw new ToolwireError('INVALID_INPUT', NOT_OPENAPI);
  const warnings: string[] = [];
  const kind = normalizeVersion(parsed, warnings);
  fixCommonMistakes(parsed);
  const broken = checkRefs(parsed);
  const openapi = kind === 'swagger2' ? await toOpenApi3(parsed) : parsed;
  if (kind === 'swagger2') {
    normalizeVersion(openapi, warnings);
    // The converter rewrites refs (`#/definitions/X` → `#/components/schemas/X`): check what it produced too.
    broken.push(...checkRefs(openapi).filter((ref) => !broken.includes(ref)));
  }
  if (broken.length > 0) {
    const list = broken.slice(0, 5).join(', ') + (broken.length > 5 ? ', …' : '');
    warnings.push(`${broken.length} $ref(s) point to nothing in the document and were read as empty schemas: ${list}.`);
  }
  return { doc: await dereference(openapi), warnings };
}
