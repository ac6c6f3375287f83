/** The launcher's flags: one definition, used by main and by the README check. */
import { oneLineErrors } from '../core/cli-errors.js';
import { Command, Option } from 'commander';

export interface LaunchOptions {
  phase: string;
  start: string;
  end: string;
  checkpointFrequency?: string;
  checkpoint: boolean;
  config?: string;
  gpus?: string;
  devices?: string[];
  outputDir?: string;
  model?: string;
  retries?: string;
  chunkTimeout?: string;
  dryRun?: boolean;
  merge: boolean;
  json?: boolean;
  quiet?: boolean;
  hostId?: string;
  slurm?: boolean;
  nodes?: string;
  gpusPerNode?: string;
  partition?: string;
  sbatchArg?: string[];
  wait?: boolean;
  requeue?: boolean;
  hosts?: string;
  sshTemplate?: string;
}

export function buildLaunchProgram(): Command {
  return oneLineErrors(
    new Command('launcher')
      .description('run a phase over an index range on every device, in checkpointed chunks; rerun the same line to resume')
      .usage('--phase <name> --start <n> --end <n> [options] [-- phase args]\n       launcher status --phase <name> [--json]')
      .requiredOption('--phase <name>', 'phase name in the config, e.g. 1 or 3.5')
      .requiredOption('--start <n>', 'first index (inclusive)')
      .requiredOption('--end <n>', 'last index (inclusive)')
      .option('--checkpoint-frequency <n>', 'items per chunk (config: checkpointFrequency, default 50)')
      .option('--no-checkpoint', 'original behaviour: one process per device over its whole slice, no chunks, no merge')
      .option('--config <file>', 'config file (default: launcher.config.json/.yaml here, else the built-in one)')
      .option('--gpus <ids>', 'CUDA GPUs to use, e.g. 0,1,2 or 0-3')
      .option('--devices <spec...>', 'devices, e.g. cuda:0-3, rocm:0,1, tpu:0-3, tpu:0+1 (one device, two chips), cpu:4 (four CPU slots)')
      .option('--output-dir <dir>', "where chunks and merged files go (default: the phase's outputDir)")
      .option('--model <name>', "value of {model} (default: the phase's model)")
      .option('--retries <n>', 'retries per chunk after a failed attempt (config: retries, default 2)')
      .option('--chunk-timeout <duration>', 'fail an attempt that runs longer, e.g. 30m (config: chunkTimeout)')
      .option(
        '--no-merge',
        'do not merge the chunks at the end (refused with --slurm, where the merge is its own job: scancel it to skip it)',
      )
      .option('--dry-run', 'print the plan and start nothing')
      .addOption(new Option('--json', 'events as JSON lines on stdout').conflicts('quiet'))
      .option('--quiet', 'print only the summary and errors')
      .option(
        '--host-id <id>',
        'this host in events and status, for a run on this host only (with --slurm or --hosts each host has its own) (default: TPU_WORKER_ID, WORKER_ID, SLURM_ARRAY_TASK_ID, SLURM_PROCID, else the hostname)',
      )
      .option('--slurm', 'submit to Slurm: an array of --nodes tasks, one chunk-runner per node, and a dependent merge job')
      .option('--nodes <n>', 'with --slurm: array tasks, one per node (default 1)')
      .option(
        '--gpus-per-node <k>',
        'with --slurm: GPUs each task asks for (--gres=gpu:K); without it each task gets a whole node (--exclusive)',
      )
      .option('--partition <name>', 'with --slurm: the Slurm partition')
      .option('--sbatch-arg <arg...>', 'with --slurm: extra sbatch options for both scripts, e.g. --sbatch-arg=--time=12:00:00')
      .option('--wait', 'with --slurm: wait for the merge job; exit 0 when it merged everything, 1 otherwise')
      .option('--requeue', 'with --slurm: let Slurm requeue a preempted task (its chunks are taken over by lease meanwhile)')
      .option('--hosts <a,b,...>', 'run one chunk-runner per host over ssh; the output dir and working dir must be shared')
      .option(
        '--ssh-template <template>',
        "with --hosts: how a host's runner is started (default: ssh -o BatchMode=yes {host} cd {cwd} && {runner})",
      )
      .allowExcessArguments(true),
  );
}
