import { readFile } from 'node:fs/promises';
import { ToolwireError } from '../core/errors.js';
import type { CommandContext } from './context.js';

/** Reads a file (or stdin for `-`) as text, with a message that names the file when it cannot. */
export async function readText(ctx: CommandContext, source: string): Promise<string> {
  if (source === '-') return ctx.readStdin();
  try {
    return await readFile(source, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ToolwireError('INVALID_INPUT', `Cannot read ${source}: ${why}. Give the path of a JSON file, or - to read standard input.`, { cause: err });
  }
}

/** Parses JSON with a message that says where it broke. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const where = source === '-' ? 'Standard input' : source;
    throw new ToolwireError(
      'INVALID_INPUT',
      `${where} is not valid JSON (${(err as Error).message}). Fix the syntax and run the command again; nothing was changed.`,
      { cause: err },
    );
  }
}

export async function readJson(ctx: CommandContext, source: string | undefined, what: string): Promise<unknown> {
  if (!source) throw new ToolwireError('INVALID_INPUT', `Give the ${what} as a JSON file path, or - to read it from standard input.`);
  return parseJson(await readText(ctx, source), source);
}
