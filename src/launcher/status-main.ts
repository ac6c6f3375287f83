/** `launcher status`: a run's progress from disk, from another terminal while it runs, or after. */
import { localLiveness } from '../core/claims.js';
import { loadConfig, outputDirFor, phaseConfig } from '../core/config.js';
import { refuseUnknownOptions } from '../core/cli-errors.js';
import { EXIT, UsageError, errorMessage } from '../core/errors.js';
import { runFilePath } from '../core/layout.js';
import { readRunFile, type RunFile } from '../core/run-file.js';
import { finishCommand } from '../merge/targets.js';
import { readStatusFacts } from '../status/read-status-facts.js';
import { buildStatus } from '../status/status-model.js';
import { renderStatus } from '../status/render-status.js';
import { buildStatusProgram, type StatusOptions } from './status-cli.js';

function readRun(options: StatusOptions, outputDir: string): RunFile {
  const run = readRunFile(outputDir);
  if (!run) {
    throw new UsageError(
      `no ${runFilePath(outputDir)}: no run of phase ${options.phase} has started in ${outputDir}; start one with launcher --phase ${options.phase} --start <n> --end <n>, or pass --output-dir`,
    );
  }
  if (run.phase !== options.phase) {
    throw new UsageError(
      `${runFilePath(outputDir)} records phase ${run.phase}, not --phase ${options.phase}; ask for --phase ${run.phase} or pass the --output-dir of phase ${options.phase}`,
    );
  }
  return run;
}

function resumeCommandFor(run: RunFile, options: StatusOptions): string {
  return finishCommand(run, { config: options.config, outputDir: options.outputDir });
}

export async function statusMain(argv: string[], cwd = process.cwd()): Promise<number> {
  const program = buildStatusProgram().exitOverride();
  try {
    refuseUnknownOptions(buildStatusProgram, argv);
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof UsageError) return refuse(error);
    // Commander printed its one line (or the help, or the version) already.
    return (error as { exitCode?: number }).exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const options = program.opts<StatusOptions>();
  try {
    const outputDir = outputDirFor(cwd, options.outputDir, () => phaseConfig(loadConfig(options.config, cwd), options.phase));
    const run = readRun(options, outputDir);
    const report = buildStatus(readStatusFacts(outputDir, run), localLiveness());
    const text = options.json ? JSON.stringify(report, null, 2) : renderStatus(report, resumeCommandFor(run, options)).join('\n');
    process.stdout.write(`${text}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return refuse(error);
  }
}

function refuse(error: UsageError): number {
  process.stderr.write(`launcher status: ${errorMessage(error)}\n`);
  return EXIT.usage;
}
