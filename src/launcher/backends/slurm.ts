/**
 * Slurm: an array of N tasks (one chunk-runner per node, on the GPUs of its allocation) and
 * a merge job that runs after the array however it ended (afterany) and refuses a partial
 * merge. The scripts live in <outputDir>/slurm/; a rerun submits only what is pending.
 */
import { hintCommand } from '../../core/rerun-hint.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, UsageError } from '../../core/errors.js';
import { findExecutable } from '../../core/executable.js';
import { spansLength, uncommittedSpans } from '../../core/chunk-spans.js';
import { committedRanges, scanDisk } from '../../core/scan.js';
import type { BackendContext, SubmittingBackend } from './backend.js';
import { mergeMain, outputDirArg, runnerArgs, runnerMain } from './runner-args.js';
import { mergeScript, runnersScript, type SlurmScriptFacts } from './slurm-scripts.js';
import { liveJobs, readSubmittedJobs, recordSubmittedJobs, sbatch, slurmDir, waitForJob } from './slurm-jobs.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

export function parsePositive(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`${flag} ${text} must be a whole number >= 1`);
  return Number(text);
}

export function slurmBackend({ prepared, options, commandLine }: BackendContext): SubmittingBackend {
  const nodes = parsePositive('--nodes', options.nodes ?? '1');
  const gpusPerNode = options.gpusPerNode !== undefined ? parsePositive('--gpus-per-node', options.gpusPerNode) : undefined;
  const outputDir = outputDirArg(prepared.outputDir, prepared.cwd);
  const dir = slurmDir(prepared.outputDir);
  const relativeSlurmDir = path.join(outputDir, 'slurm');

  const facts: SlurmScriptFacts = {
    jobName: `chunkrun-${prepared.identity.phase}`,
    commandLine,
    cwd: prepared.cwd,
    outputDir,
    logDir: path.join(relativeSlurmDir, 'logs'),
    nodes,
    gpusPerNode,
    partition: options.partition,
    requeue: options.requeue === true,
    sbatchArgs: options.sbatchArg ?? [],
    node: process.execPath,
    runnerMain,
    mergeMain,
    runnerFlags: runnerArgs({
      outputDir,
      devices: options.devices !== undefined ? prepared.devices : undefined,
      events: 'text',
      supervised: false,
    }).slice(2),
    mergeFlags: prepared.loaded.config.deleteChunksAfterMerge ? ['--delete-chunks'] : [],
  };
  const watchHint = (ids: string[]) =>
    `watch: squeue -j ${ids.join(',')}; logs in ${facts.logDir}/; progress: ${hintCommand('launcher', ['status', '--phase', prepared.identity.phase], prepared.where)}; stop: scancel ${ids.join(' ')}`;

  async function waitForMerge(mergeJob: string): Promise<number> {
    say(`waiting for merge job ${mergeJob} (Ctrl+C stops waiting, not the jobs)`);
    const end = await waitForJob(mergeJob);
    const log = path.join(facts.logDir, `merge-${mergeJob}.out`);
    if (!end) {
      say(`merge job ${mergeJob} is no longer known to Slurm; see ${log}`);
      return EXIT.chunksFailed;
    }
    const ok = end.state === 'COMPLETED' && end.exitCode === 0;
    say(`merge job ${mergeJob} ended: ${end.state}, exit code ${end.exitCode ?? '?'}; log ${log}`);
    if (!ok) say(`not everything is merged: see the log; rerun the same command to submit what is still pending`);
    return ok ? EXIT.ok : EXIT.chunksFailed;
  }

  return {
    kind: 'submitting',
    name: 'slurm',
    hostCount: nodes,
    async preflight() {
      for (const tool of ['sbatch', 'squeue', 'scontrol']) {
        if (!findExecutable(tool)) {
          throw new UsageError(
            `--slurm needs Slurm's ${tool} on PATH, and it is not there; run the launcher on a Slurm login node (or load the slurm module)`,
          );
        }
      }
    },
    async submit() {
      const previous = readSubmittedJobs(prepared.outputDir);
      if (previous) {
        const ids = [previous.runnersJob, previous.mergeJob].filter((id): id is string => id !== undefined);
        const live = await liveJobs(ids);
        if (live.length > 0) {
          const states = [...new Set(live.map((job) => job.state))].join(', ');
          say(
            `already submitted and still in Slurm: ${ids.map((id) => `job ${id}`).join(' and ')} (${live.length} job(s) ${states}); nothing submitted`,
          );
          say(watchHint(ids));
          return options.wait ? waitForMerge(previous.mergeJob) : EXIT.ok;
        }
      }

      const disk = prepared.disk ?? scanDisk(prepared.outputDir);
      // Counted over spans, never by listing the grid (10,000,000 chunks are a valid plan).
      const pending = spansLength(uncommittedSpans(prepared.identity, committedRanges(disk)));
      mkdirSync(path.join(dir, 'logs'), { recursive: true });
      const runnersFile = path.join(dir, 'runners.sbatch');
      const mergeFile = path.join(dir, 'merge.sbatch');
      writeFileSync(runnersFile, runnersScript(facts), { mode: 0o755 });
      writeFileSync(mergeFile, mergeScript(facts), { mode: 0o755 });
      const tasks = Math.min(nodes, pending);
      const runnersRel = path.join(relativeSlurmDir, 'runners.sbatch');
      const mergeRel = path.join(relativeSlurmDir, 'merge.sbatch');
      if (options.dryRun) {
        say(`scripts written: ${runnersRel}, ${mergeRel}`);
        if (tasks > 0)
          say(`would submit: sbatch --array=0-${tasks - 1} ${runnersRel}; then sbatch --dependency=afterany:<array job> ${mergeRel}`);
        else say(`would submit: sbatch ${mergeRel} (every chunk is committed)`);
        say('dry run: nothing submitted');
        return EXIT.ok;
      }

      let runnersJob: string | undefined;
      if (tasks > 0) {
        runnersJob = await sbatch([`--array=0-${tasks - 1}`, runnersRel], prepared.cwd);
        say(`submitted runners: array job ${runnersJob}, ${tasks} task(s) (one per node) for ${pending} pending chunk(s)`);
      } else {
        say('every chunk is committed; submitting only the merge');
      }
      const mergeJob = await sbatch(
        runnersJob !== undefined ? [`--dependency=afterany:${runnersJob}`, mergeRel] : [mergeRel],
        prepared.cwd,
      );
      say(`submitted merge: job ${mergeJob}${runnersJob !== undefined ? `, after array job ${runnersJob} ends (afterany)` : ''}`);
      recordSubmittedJobs(prepared.outputDir, { runnersJob, mergeJob, submittedAt: new Date().toISOString() });
      const ids = [runnersJob, mergeJob].filter((id): id is string => id !== undefined);
      say(watchHint(ids));
      return options.wait ? waitForMerge(mergeJob) : EXIT.ok;
    },
  };
}
