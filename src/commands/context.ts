import type { Config } from '../config.js';
import { ToolwireError } from '../core/errors.js';

/** What a command may touch: its arguments, the config and three streams. Only cli.ts knows the process. */
export interface CommandContext {
  args: string[];
  config: Config;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress is then redrawn in place). */
  stderrIsTTY?: boolean;
  readStdin: () => Promise<string>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<string>;
}

/** A command's outcome: the exit code. Failures are thrown as ToolwireError and printed by cli.ts. */
export type Command = (ctx: CommandContext) => Promise<number>;

/** A command line that cannot be run: the CLI adds where to read the usage and exits 2. */
export class UsageError extends ToolwireError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}
