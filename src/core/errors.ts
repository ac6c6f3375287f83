/** Exit codes of every chunkrun command (SPEC §2). */
export const EXIT = {
  ok: 0,
  chunksFailed: 1,
  usage: 2,
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;

/**
 * A problem with what the user asked for: a bad flag, config or output dir.
 * The message is one line that names the thing, the value and the fix.
 */
export class UsageError extends Error {
  readonly exitCode: number = EXIT.usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A problem with data on disk (a corrupt chunk output, a missing file): exit 1, named. */
export class DataError extends Error {
  readonly exitCode: number = EXIT.chunksFailed;
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
