/**
 * `requestBody` → BODY parameters. A JSON body whose schema is an object gives one parameter per
 * property (required from the schema's `required`; `readOnly` properties left out, as OpenAPI says
 * they are not sent). Any other body — an array or scalar schema, `anyOf`/`oneOf` alternatives, an
 * object without properties, a non-JSON media type — gives ONE parameter named `body` holding the
 * whole schema, meant to be sent as the entire request body.
 */
import { makeParameter } from './parameter-fields.js';
import { objectShape, pickMedia } from './shapes.js';
import type { ImportParameter } from './types.js';
import { asString, isRecord } from './util.js';

export interface BodyResult {
  parameters: ImportParameter[];
  /** Set when the body is not JSON: toolwire sends JSON, so the user is warned. */
  nonJsonMediaType?: string;
  /** Properties with a blank name, left out (an argument needs a name). */
  unnamed: number;
}

export function bodyParameters(requestBody: unknown): BodyResult {
  if (!isRecord(requestBody)) return { parameters: [], unnamed: 0 };
  const picked = pickMedia(requestBody.content);
  if (picked === undefined) return { parameters: [], unnamed: 0 };
  const schema = picked.media.schema;
  const shape = picked.json ? objectShape(schema) : undefined;
  const properties = Object.entries(shape?.properties ?? {}).filter(([, property]) => !(isRecord(property) && property.readOnly === true));
  const named = properties.filter(([name]) => name.trim() !== '');
  if (shape !== undefined && named.length > 0) {
    return {
      parameters: named.map(([name, property]) =>
        makeParameter({ name: name.trim(), location: 'BODY', schema: property, required: shape.required.includes(name) }),
      ),
      unnamed: properties.length - named.length,
    };
  }
  const fallback = picked.json ? {} : { type: 'string', description: `Request body as ${picked.mediaType}.` };
  const whole = makeParameter({
    name: 'body',
    location: 'BODY',
    schema: schema ?? fallback,
    description: asString(requestBody.description) ?? `The whole request body (${picked.mediaType}).`,
    required: requestBody.required === true,
  });
  return picked.json ? { parameters: [whole], unnamed: 0 } : { parameters: [whole], nonJsonMediaType: picked.mediaType, unnamed: 0 };
}
