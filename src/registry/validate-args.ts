import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../core/model.js';

/** Argument validation against a tool's inputSchema: compiled on first use, then reused. */
export type ArgumentValidator = (args: Record<string, unknown>) => string | null;

export interface ValidatorFactory {
  (schema: JsonSchema): ArgumentValidator;
  /** Forgets a schema's compiled validator (its tool changed or left), so a long-lived registry does not grow. */
  release(schema: JsonSchema): void;
}

/**
 * Ajv's module (25–45 ms and a few MB to load) is required on the first validation, not imported at
 * start: a stdio server lists its tools before any call. Synchronous (a CommonJS require), because a
 * validator answers synchronously.
 */
function loadAjv(): typeof Ajv {
  return (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv;
}

export function createValidatorFactory(): ValidatorFactory {
  // One Ajv for the registry's life; the Ajv is made on the first call, not at start: a server with
  // 10,000 tools lists them before it validates anything.
  let ajv: Ajv | null = null;
  const factory = (schema: JsonSchema): ArgumentValidator => {
    let compiled: ValidateFunction | null = null;
    return (args) => {
      ajv ??= new (loadAjv())({ allErrors: true, strict: false, validateFormats: false });
      compiled ??= ajv.compile(schema);
      return compiled(args) ? null : describe(compiled.errors ?? [], args);
    };
  };
  factory.release = (schema: JsonSchema) => {
    ajv?.removeSchema(schema);
  };
  return factory;
}

function describe(errors: ErrorObject[], args: Record<string, unknown>): string {
  const parts = errors.map((e) => {
    const path = argumentPath(e.instancePath, args);
    const where = path ? `argument "${path}"` : 'the arguments';
    switch (e.keyword) {
      case 'required':
        return `missing required argument "${joinPath(path, (e.params as { missingProperty: string }).missingProperty)}"`;
      case 'additionalProperties':
        return `unknown argument "${joinPath(path, (e.params as { additionalProperty: string }).additionalProperty)}"`;
      case 'type':
        return `${where} must be of type ${(e.params as { type: string }).type}`;
      case 'enum':
        return `${where} must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
      default:
        return `${where} ${e.message ?? 'is invalid'}`;
    }
  });
  return [...new Set(parts)].join('; ');
}

const joinPath = (parent: string, name: string) => (parent ? `${parent}.${name}` : name);

/**
 * An Ajv instance path (`/items/2/name`) as the agent wrote the argument (`items[2].name`), so a field
 * missing deep inside an object or array is named where it is. The arguments are walked alongside: only
 * an index into an actual array is written `[n]`, a property that happens to be called "2" stays `.2`.
 */
function argumentPath(pointer: string, args: unknown): string {
  if (!pointer) return '';
  let path = '';
  let value: unknown = args;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(value) && /^\d+$/.test(segment)) path += `[${segment}]`;
    else path = joinPath(path, segment);
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}
