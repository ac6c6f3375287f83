import type { Command } from 'commander';

/** Commander's own usage errors as one line in our shape: "<program>: <what> (see <program> --help)". */
export function oneLineErrors(program: Command): Command {
  const name = program.name();
  return program.configureOutput({
    outputError: (message, write) => write(`${name}: ${message.replace(/^error: /, '').trim()} (see ${name} --help)\n`),
  });
}
