/** `launcher status` flags: one definition, used by status-main and by the README check. */
import { Command } from 'commander';
import { oneLineErrors } from '../core/cli-errors.js';

export interface StatusOptions {
  phase: string;
  config?: string;
  outputDir?: string;
  json?: boolean;
}

export function buildStatusProgram(): Command {
  return oneLineErrors(
    new Command('launcher status')
      .description(
        "progress of a phase's run from disk: committed, running, failed and pending chunks per device; works during a run and after",
      )
      .requiredOption('--phase <name>', 'phase name in the config, e.g. 1 or 3.5')
      .option('--config <file>', 'config file (default: launcher.config.json/.yaml here, else the built-in one)')
      .option('--output-dir <dir>', "the run's output dir (default: the phase's outputDir from the config)")
      .option('--json', 'one JSON document instead of text (shape in the README)'),
  );
}
