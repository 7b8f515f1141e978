/**
 * `bodyPayloadTemplate` substitution that always yields valid JSON. A template is split once into
 * literal text and `{{name}}` slots; each slot knows whether it sits inside a JSON string, so a value
 * is escaped there (quotes, backslashes, newlines) and written as a JSON value elsewhere.
 */
export interface CompiledTemplate {
  /** Parameter names the template uses. */
  names: Set<string>;
  render(args: Record<string, unknown>): string;
}

type Segment = { literal: string } | { name: string; inString: boolean };

const SLOT = /\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}/y;

export function compileTemplate(template: string): CompiledTemplate {
  const segments: Segment[] = [];
  const names = new Set<string>();
  let literal = '';
  let inString = false;
  for (let i = 0; i < template.length; ) {
    SLOT.lastIndex = i;
    const slot = SLOT.exec(template);
    if (slot) {
      if (literal) segments.push({ literal });
      literal = '';
      segments.push({ name: slot[1] as string, inString });
      names.add(slot[1] as string);
      i = SLOT.lastIndex;
      continue;
    }
    const ch = template[i] as string;
    if (ch === '\\' && inString) {
      literal += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === '"') inString = !inString;
    literal += ch;
    i++;
  }
  if (literal) segments.push({ literal });

  return {
    names,
    render(args) {
      let out = '';
      for (const segment of segments) {
        if ('literal' in segment) out += segment.literal;
        else out += segment.inString ? escapeInString(args[segment.name]) : asJsonValue(args[segment.name]);
      }
      return out;
    },
  };
}

function escapeInString(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}

function asJsonValue(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** Null when the template renders to valid JSON for any values; otherwise the parser's complaint. */
export function templateProblem(template: string): string | null {
  try {
    const compiled = compileTemplate(template);
    const sample = Object.fromEntries([...compiled.names].map((n) => [n, 'x"\\\n']));
    JSON.parse(compiled.render(sample));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
