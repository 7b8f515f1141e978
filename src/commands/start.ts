import type { Command } from './context.js';
import { serveCommand } from './serve.js';

/** `npm start`: HTTP on the default address with the example providers loaded into an empty database. */
export const startCommand: Command = (ctx) => serveCommand({ ...ctx, args: ['--http', '--examples', ...ctx.args] });
