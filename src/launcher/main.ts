#!/usr/bin/env node
/** launcher: run a phase over a range on every device in checkpointed chunks; `launcher status` reports. */
import { refuseUnknownOptions } from '../core/cli-errors.js';
import { EXIT, UsageError, errorMessage } from '../core/errors.js';
import type { LaunchOptions } from './cli.js';

async function main(argv: string[]): Promise<number> {
  if (argv[2] === 'status') {
    const { statusMain } = await import('./status-main.js');
    return statusMain(argv.slice(3));
  }
  // Loaded here, not at the top: `launcher status` needs none of them (and their execa, pino).
  const [{ buildLaunchProgram }, { prepareLaunch }, { launch }] = await Promise.all([
    import('./cli.js'),
    import('./prepare.js'),
    import('./launch.js'),
  ]);
  const dashDash = argv.indexOf('--');
  const own = dashDash === -1 ? argv : argv.slice(0, dashDash);
  const extraArgs = dashDash === -1 ? [] : argv.slice(dashDash + 1);
  refuseUnknownOptions(buildLaunchProgram, own.slice(2));
  const program = buildLaunchProgram().exitOverride();
  program.parse(own);
  if (program.args.length > 0) {
    throw new UsageError(
      `unexpected argument "${program.args[0]}"; arguments for the phase go after --, e.g. launcher --phase 1 --start 0 --end 9 -- --batch-size 8`,
    );
  }
  const options = program.opts<LaunchOptions>();
  const prepared = prepareLaunch(options, extraArgs);
  return launch(prepared, options, argv.slice(2));
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if ((error as { code?: string }).code?.startsWith('commander.')) {
      process.exitCode = (error as { exitCode?: number }).exitCode === 0 ? 0 : EXIT.usage;
      return;
    }
    process.stderr.write(`launcher: ${errorMessage(error)}\n`);
    process.exitCode = error instanceof UsageError ? EXIT.usage : EXIT.chunksFailed;
  },
);
