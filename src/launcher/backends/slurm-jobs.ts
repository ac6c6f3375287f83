/** Slurm's view of a run's jobs, through squeue, scontrol and sbatch (effects only, no accounting needed). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../core/atomic-file.js';
import { UsageError } from '../../core/errors.js';

/** execa, loaded when Slurm is first called: a local resume with nothing to do never pays for it. */
const loadExeca = async () => (await import('execa')).execa;

export const submittedJobsSchema = z.object({
  /** The runners' array job, absent when only the merge was left to do. */
  runnersJob: z.string().optional(),
  mergeJob: z.string(),
  submittedAt: z.string(),
});
export type SubmittedJobs = z.infer<typeof submittedJobsSchema>;

export function slurmDir(outputDir: string): string {
  return path.join(outputDir, 'slurm');
}

function jobsFile(outputDir: string): string {
  return path.join(slurmDir(outputDir), 'jobs.json');
}

export function readSubmittedJobs(outputDir: string): SubmittedJobs | undefined {
  try {
    const parsed = submittedJobsSchema.safeParse(JSON.parse(readFileSync(jobsFile(outputDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function recordSubmittedJobs(outputDir: string, jobs: SubmittedJobs): void {
  writeJsonAtomic(jobsFile(outputDir), jobs);
}

/** `sbatch --parsable ...`: the job id, or the one line sbatch said when it refused. */
export async function sbatch(args: readonly string[], cwd: string): Promise<string> {
  const execa = await loadExeca();
  const result = await execa('sbatch', ['--parsable', ...args], { cwd, reject: false, stdin: 'ignore' });
  const id = /^(\d+)/.exec(String(result.stdout).trim())?.[1];
  if (result.exitCode !== 0 || id === undefined) {
    const said = String(result.stderr).trim().split('\n').filter(Boolean).pop() ?? `exit code ${result.exitCode}`;
    throw new UsageError(
      `sbatch refused the job (${said}); check --partition and --sbatch-arg, or run the script by hand: sbatch ${args.at(-1)}`,
    );
  }
  return id;
}

/** Jobs of these ids (an array's tasks count under the array's id) still known to squeue, with their states. */
export async function liveJobs(ids: readonly string[]): Promise<{ id: string; job: string; state: string }[]> {
  const execa = await loadExeca();
  const result = await execa('squeue', ['-h', '-o', '%F %i %T'], { reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) throw new UsageError(`squeue failed: ${String(result.stderr).trim() || `exit code ${result.exitCode}`}`);
  return String(result.stdout)
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 3 && ids.includes(fields[0]!))
    .map(([id, job, state]) => ({ id: id!, job: job!, state: state! }));
}

const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE']);

export interface JobEnd {
  readonly state: string;
  readonly exitCode: number | undefined;
}

/** Poll scontrol until the job has ended; undefined when Slurm has forgotten it. */
export async function waitForJob(id: string, pollMs = 2000): Promise<JobEnd | undefined> {
  const execa = await loadExeca();
  for (;;) {
    const result = await execa('scontrol', ['show', 'job', '-o', id], { reject: false, stdin: 'ignore' });
    if (result.exitCode !== 0) return undefined;
    const text = String(result.stdout);
    const state = /JobState=(\S+)/.exec(text)?.[1];
    if (state !== undefined && ENDED.has(state)) {
      const code = /ExitCode=(\d+):(\d+)/.exec(text);
      return { state, exitCode: code ? Number(code[1]) : undefined };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
