/**
 * Parameter names must be unique within a tool (they are the properties of its input schema), but
 * OpenAPI only makes (name, location) unique. Clash rule: the first parameter in the order PATH,
 * QUERY, HEADER, BODY keeps its name; a later one with the same name is renamed with its location as
 * a prefix — `query_id`, `header_id`, `body_id` — and, should that be taken too, a `_2`, `_3`…
 * suffix. Each rename is reported as a warning; the renamed argument keeps its API name (`apiName`),
 * so the request still carries the name the API expects.
 */
import type { ParameterLocation } from '../../core/model.js';
import type { ImportParameter } from './types.js';

const ORDER: ParameterLocation[] = ['PATH', 'QUERY', 'HEADER', 'BODY'];

export interface Rename {
  location: ParameterLocation;
  from: string;
  to: string;
}

export function resolveClashes(parameters: ImportParameter[]): { parameters: ImportParameter[]; renames: Rename[] } {
  const ordered = [...parameters].sort((a, b) => ORDER.indexOf(a.location) - ORDER.indexOf(b.location));
  const taken = new Set<string>();
  const renames: Rename[] = [];
  const out = ordered.map((param) => {
    if (!taken.has(param.name)) {
      taken.add(param.name);
      return param;
    }
    const base = `${param.location.toLowerCase()}_${param.name}`;
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    renames.push({ location: param.location, from: param.name, to: name });
    return { ...param, name, apiName: param.name };
  });
  return { parameters: out, renames };
}
