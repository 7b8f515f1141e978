import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from '../store/types.js';

/** Argument validation against a tool's inputSchema: compiled on first use, then reused. */
export type ArgumentValidator = (args: Record<string, unknown>) => string | null;

export function createValidatorFactory(): (schema: JsonSchema) => ArgumentValidator {
  // One Ajv per registry build: validators of a replaced registry are released with it. Made on the
  // first call, not at start: a server with 10,000 tools lists them before it validates anything.
  let ajv: Ajv | null = null;
  return (schema) => {
    let compiled: ValidateFunction | null = null;
    return (args) => {
      ajv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false });
      compiled ??= ajv.compile(schema);
      return compiled(args) ? null : describe(compiled.errors ?? []);
    };
  };
}

function describe(errors: ErrorObject[]): string {
  const parts = errors.map((e) => {
    const where = e.instancePath ? `argument "${e.instancePath.slice(1).replaceAll('/', '.')}"` : 'the arguments';
    switch (e.keyword) {
      case 'required':
        return `missing required argument "${(e.params as { missingProperty: string }).missingProperty}"`;
      case 'additionalProperties':
        return `unknown argument "${(e.params as { additionalProperty: string }).additionalProperty}"`;
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
