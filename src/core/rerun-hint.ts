/**
 * Hints that print a command to run next must find the same run again: they carry the
 * --config and --output-dir the user gave, as typed (the hint runs from the same directory).
 */
export interface RunLocation {
  readonly config?: string;
  readonly outputDir?: string;
}

/** One argument as a POSIX shell reads it back. */
export function shellWord(arg: string): string {
  return /^[\w.,:/=+@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function locationFlags(where: RunLocation): string[] {
  return [
    ...(where.config !== undefined ? ['--config', where.config] : []),
    ...(where.outputDir !== undefined ? ['--output-dir', where.outputDir] : []),
  ];
}

/** `program args... --config C --output-dir D`, quoted for a shell. */
export function hintCommand(program: string, args: readonly string[], where: RunLocation): string {
  return [program, ...args, ...locationFlags(where)].map(shellWord).join(' ');
}
