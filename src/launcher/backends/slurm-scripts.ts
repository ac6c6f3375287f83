/** The sbatch scripts a Slurm run writes into its output dir: readable, and rerunnable by hand. Pure. */
import { shellWord } from '../../core/rerun-hint.js';

export interface SlurmScriptFacts {
  readonly jobName: string;
  /** As typed, for the header. */
  readonly commandLine: string;
  /** The working dir the jobs run in (sbatch's default: where sbatch was called). */
  readonly cwd: string;
  /** Relative to cwd where possible. */
  readonly outputDir: string;
  readonly logDir: string;
  readonly nodes: number;
  readonly gpusPerNode: number | undefined;
  readonly partition: string | undefined;
  readonly requeue: boolean;
  readonly sbatchArgs: readonly string[];
  readonly node: string;
  readonly runnerMain: string;
  readonly mergeMain: string;
  /** chunk-runner's flags besides --output-dir and --host-index. */
  readonly runnerFlags: readonly string[];
  readonly mergeFlags: readonly string[];
}

function header(facts: SlurmScriptFacts, what: string, directives: string[]): string[] {
  return [
    '#!/bin/bash',
    `# chunkrun: ${what}`,
    `# written by: ${facts.commandLine}`,
    `# run from ${facts.cwd} (phases run in the job's working dir, as with the launcher)`,
    ...directives.map((directive) => `#SBATCH ${directive}`),
    ...facts.sbatchArgs.map((arg) => `#SBATCH ${arg}`),
    'set -euo pipefail',
    `NODE=${shellWord(facts.node)}`,
    `OUTPUT_DIR=${shellWord(facts.outputDir)}`,
    '# A node that cannot see the shared output dir says so instead of running blind.',
    'if [ ! -f "$OUTPUT_DIR/run.json" ]; then',
    '  echo "chunkrun: $OUTPUT_DIR/run.json is not visible on ${SLURMD_NODENAME:-$(hostname)} from $(pwd); the output dir must be on a filesystem every node shares (NFS, Lustre, GPFS)" >&2',
    '  exit 2',
    'fi',
  ];
}

/** The array: task i runs chunk-runner as host i on the GPUs Slurm gave it (CUDA_VISIBLE_DEVICES). */
export function runnersScript(facts: SlurmScriptFacts): string {
  const directives = [
    `--job-name=${facts.jobName}`,
    `--array=0-${facts.nodes - 1}`,
    '--nodes=1',
    '--ntasks=1',
    facts.gpusPerNode !== undefined ? `--gres=gpu:${facts.gpusPerNode}` : '--exclusive',
    `--output=${facts.logDir}/runner-%A_%a.out`,
    // A requeued task appends to its log, so both of its lives can be read.
    ...(facts.requeue ? ['--requeue', '--open-mode=append'] : ['--no-requeue']),
    ...(facts.partition !== undefined ? [`--partition=${facts.partition}`] : []),
  ];
  return [
    ...header(
      facts,
      `one chunk-runner per node (array task i is host i); submit by hand with: sbatch --array=0-N ${facts.outputDir}/slurm/runners.sbatch`,
      directives,
    ),
    `CHUNK_RUNNER=${shellWord(facts.runnerMain)}`,
    '# The host id comes from SLURM_ARRAY_TASK_ID; devices from the allocation (CUDA_VISIBLE_DEVICES) unless --devices is given.',
    `exec "$NODE" "$CHUNK_RUNNER" --output-dir "$OUTPUT_DIR" --host-index "$SLURM_ARRAY_TASK_ID"${facts.runnerFlags.map((f) => ` ${shellWord(f)}`).join('')}`,
    '',
  ].join('\n');
}

/** The merge: runs after the array ends however it ended (afterany), and refuses a partial merge. */
export function mergeScript(facts: SlurmScriptFacts): string {
  const directives = [
    `--job-name=${facts.jobName}-merge`,
    '--nodes=1',
    '--ntasks=1',
    `--output=${facts.logDir}/merge-%j.out`,
    ...(facts.partition !== undefined ? [`--partition=${facts.partition}`] : []),
  ];
  return [
    ...header(facts, 'merge the committed chunks once the runners are done; submitted with --dependency=afterany:<array job>', directives),
    `MERGE_CHUNKS=${shellWord(facts.mergeMain)}`,
    '# Exits 1 naming the missing chunks when any chunk is not committed: rerun the launcher line to finish them.',
    `exec "$NODE" "$MERGE_CHUNKS" --output-dir "$OUTPUT_DIR"${facts.mergeFlags.map((f) => ` ${shellWord(f)}`).join('')}`,
    '',
  ].join('\n');
}
