/**
 * Recognises object schemas (also an `allOf` of objects, common in generated documents) and the
 * media types toolwire can send, for request bodies and results alike.
 */
import { cleanRequired } from './schema-keywords.js';
import { isRecord, type Dict } from './util.js';

export interface ObjectShape {
  properties: Dict;
  required: string[];
}

function declaresObject(schema: Dict): boolean {
  return schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'));
}

/** A member of `allOf` that only annotates or lists `required` names: merged, never blocking. */
function isAnnotationOnly(schema: Dict): boolean {
  return ['type', 'properties', 'allOf', 'anyOf', 'oneOf', 'items', 'enum', 'additionalProperties'].every((key) => schema[key] === undefined);
}

/**
 * The properties and required names of an object schema, merging `allOf` members; undefined when
 * the schema is not a plain object (an array, a scalar, `anyOf`/`oneOf` alternatives, a cycle).
 */
export function objectShape(schema: unknown, seen: Set<object> = new Set()): ObjectShape | undefined {
  if (!isRecord(schema) || seen.has(schema)) return undefined;
  if (schema.anyOf !== undefined || schema.oneOf !== undefined) return undefined;
  seen.add(schema);
  const shape: ObjectShape = {
    properties: { ...(isRecord(schema.properties) ? schema.properties : {}) },
    required: cleanRequired(schema.required) ?? [],
  };
  let objectLike = declaresObject(schema) || isRecord(schema.properties);
  for (const member of Array.isArray(schema.allOf) ? schema.allOf : []) {
    const annotation = isRecord(member) && isAnnotationOnly(member);
    const part = annotation ? { properties: {}, required: cleanRequired(member.required) ?? [] } : objectShape(member, seen);
    if (part === undefined) return undefined;
    Object.assign(shape.properties, part.properties);
    shape.required.push(...part.required.filter((name) => !shape.required.includes(name)));
    objectLike ||= !annotation;
  }
  seen.delete(schema);
  return objectLike ? shape : undefined;
}

/**
 * Looser than objectShape, for results: an object type, properties, or an `allOf` with an object
 * member (the other members may add alternatives; the result is an object all the same).
 */
export function describesObject(schema: unknown, seen: Set<object> = new Set()): boolean {
  if (!isRecord(schema) || seen.has(schema)) return false;
  if (declaresObject(schema) || isRecord(schema.properties)) return true;
  seen.add(schema);
  return Array.isArray(schema.allOf) && schema.allOf.some((member) => describesObject(member, seen));
}

/** `application/json`, any `+json` type, and `*\/*` (which accepts the JSON toolwire sends). */
export function isJsonMediaType(mediaType: string): boolean {
  const essence = (mediaType.split(';')[0] ?? '').trim().toLowerCase();
  return essence === 'application/json' || essence.endsWith('+json') || essence === '*/*';
}

/** The JSON media type of a `content` map if it has one, else its first entry. */
export function pickMedia(content: unknown): { mediaType: string; media: Dict; json: boolean } | undefined {
  if (!isRecord(content)) return undefined;
  const entries = Object.entries(content).filter((entry): entry is [string, Dict] => isRecord(entry[1]));
  const chosen = entries.find(([type]) => isJsonMediaType(type)) ?? entries[0];
  if (chosen === undefined) return undefined;
  return { mediaType: chosen[0], media: chosen[1], json: isJsonMediaType(chosen[0]) };
}
