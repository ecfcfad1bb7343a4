/**
 * The local stack's own console output (handlers log through Powertools). `quiet` keeps tests and the
 * benchmark readable; warnings and errors are always printed because they point at a broken handler.
 */
export interface LocalLog {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

export function createLocalLog(options: { quiet?: boolean } = {}): LocalLog {
  const prefix = '[local]';
  return {
    info: (message) => {
      if (!options.quiet) console.log(`${prefix} ${message}`);
    },
    warn: (message, error) => console.warn(`${prefix} ${message}`, ...(error === undefined ? [] : [describe(error)])),
    error: (message, error) => console.error(`${prefix} ${message}`, ...(error === undefined ? [] : [describe(error)])),
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
