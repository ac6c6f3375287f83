/** chunk-runner's flags: one definition, used by main and by the README check. */
import { Command, Option } from 'commander';
import { oneLineErrors } from '../core/cli-errors.js';

export interface RunnerOptions {
  outputDir: string;
  devices?: string[];
  hostId?: string;
  hostIndex: string;
  events: string;
  supervised?: boolean;
}

export function buildProgram(): Command {
  return oneLineErrors(
    new Command('chunk-runner')
      .description(
        "run one host's share of a checkpointed run: claim pending chunks, run them on this host's devices, commit them. Reads run.json and runner-spec.json (written by launcher) from the output dir",
      )
      .requiredOption('--output-dir <dir>', "the run's output dir, as this host sees it (relative to the working dir, where phases run)")
      .option('--devices <spec...>', "this host's devices, e.g. cuda:0-3, tpu:0+1, cpu:2 (default: detected, as launcher does)")
      .option(
        '--host-id <id>',
        'this host in device folders and status (default: TPU_WORKER_ID, WORKER_ID, SLURM_ARRAY_TASK_ID, SLURM_PROCID, else the hostname)',
      )
      .option('--host-index <n>', "this host's position among the run's hosts, for the contiguous default order", '0')
      .addOption(new Option('--events <format>', 'events on stdout').choices(['text', 'json']).default('text'))
      .option('--supervised', 'take commands on stdin and stop when stdin closes (used by launcher, also over ssh)'),
  );
}
