import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from '../core/model.js';

/** Argument validation against a tool's inputSchema: compiled on first use, then reused. */
export type ArgumentValidator = (args: Record<string, unknown>) => string | null;

export interface ValidatorFactory {
  (schema: JsonSchema): ArgumentValidator;
  /** Forgets a schema's compiled validator (its tool changed or left), so a long-lived registry does not grow. */
  release(schema: JsonSchema): void;
}

export function createValidatorFactory(): ValidatorFactory {
  // One Ajv for the registry's life; the Ajv is made on the first call, not at start: a server with
  // 10,000 tools lists them before it validates anything.
  let ajv: Ajv | null = null;
  const factory = (schema: JsonSchema): ArgumentValidator => {
    let compiled: ValidateFunction | null = null;
    return (args) => {
      ajv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false });
      compiled ??= ajv.compile(schema);
      return compiled(args) ? null : describe(compiled.errors ?? []);
    };
  };
  factory.release = (schema: JsonSchema) => {
    ajv?.removeSchema(schema);
  };
  return factory;
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
