import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from './errors.js';
import { packageRoot } from './package-root.js';
import { didYouMean } from './nearest.js';

const packageFile = path.join(packageRoot, 'package.json');

export function packageVersion(): string {
  return (JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string }).version;
}

/**
 * Commander's own usage errors as one line in our shape: "<program>: <what> (see <program> --help)",
 * and `--version` on every command.
 */
export function oneLineErrors(program: Command): Command {
  const name = program.name();
  return program.version(packageVersion(), '--version', 'print the chunkrun version').configureOutput({
    outputError: (message, write) => write(`${name}: ${message.replace(/^error: /, '').trim()} (see ${name} --help)\n`),
  });
}

/**
 * Commander reports a missing required option before an unknown one, so a misspelled flag
 * read as "--phase required": name the first unknown flag (and the nearest real one) first.
 * A fresh program does the probing, so the real parse sees each option once.
 */
export function refuseUnknownOptions(build: () => Command, userArgs: readonly string[]): void {
  const probe = build().exitOverride();
  const { unknown } = probe.parseOptions([...userArgs]);
  const flag = unknown.find((arg) => arg.startsWith('-') && !['-', '-h', '--help'].includes(arg));
  if (flag === undefined) return;
  const name = flag.split('=')[0]!;
  const known = probe.options.map((option) => option.long).filter((long): long is string => long !== undefined);
  throw new UsageError(`unknown option '${name}'${didYouMean(name, known)} (see ${probe.name()} --help)`);
}
