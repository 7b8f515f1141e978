export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Log lines go to stderr only: in stdio mode stdout belongs to MCP. */
export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLog(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Log {
  const threshold = ORDER[level];
  const emit = (at: LogLevel) => (message: string) => {
    if (ORDER[at] >= threshold) write(`toolwire ${at}: ${message}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
