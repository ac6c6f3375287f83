/**
 * The targets of a merge (one file per device) are independent files: with several of them and
 * many chunks to re-encode, they are merged side by side on worker threads, one per core, each
 * under its own lock. Small merges, one target, or a single core: one after another, here.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { distPath } from '../core/package-root.js';
import { WorkerPool } from '../core/worker-pool.js';
import { alreadyMerged, mergeTarget, type TargetJob, type TargetOutcome } from './target-merge.js';
import { rebuilt } from './worker-errors.js';

const WORKER = distPath('merge', 'target-worker.js');

/** Below this many chunks in all, a worker's start (its modules loaded again) costs more than it saves. */
export const PARALLEL_MIN_CHUNKS = 1000;
/** Each target being merged holds a row group being gathered (up to 32 MiB of data, several times that as values). */
export const MAX_PARALLEL_TARGETS = 4;

export function parallelTargets(jobs: readonly TargetJob[], cores = availableParallelism()): number {
  const chunks = jobs.reduce((sum, job) => sum + job.target.chunks.length, 0);
  if (jobs.length < 2 || cores < 2 || chunks < PARALLEL_MIN_CHUNKS || !existsSync(WORKER)) return 1;
  return Math.min(cores, jobs.length, MAX_PARALLEL_TARGETS);
}

/**
 * A target merged on a worker thread of its own (through the shared pool's protocol): a worker
 * that dies fails its own target alone, while the others finish under their locks. Where no
 * thread can be had, the target is merged here.
 */
async function inWorker(job: TargetJob): Promise<TargetOutcome> {
  const pool = WorkerPool.open<TargetJob, TargetOutcome>(WORKER, 1, {
    describe: `worker thread merging ${job.target.name}`,
    rebuild: rebuilt,
  });
  if (!pool) return mergeTarget(job);
  try {
    return await pool.run(job);
  } finally {
    pool.close();
  }
}

/**
 * Merges every job under its lock (taken just before, released just after), at most
 * parallelTargets() at a time. The outcomes are in the jobs' order. On a failure no further
 * target is started; those running finish, and the first failure in the jobs' order is thrown.
 */
export async function mergeTargets(jobs: readonly TargetJob[], lock: (job: TargetJob) => () => void): Promise<TargetOutcome[]> {
  // A no-op (the file already holds these chunks) is not worth a worker's start.
  const writes = jobs.filter((job) => !alreadyMerged(job));
  const width = parallelTargets(writes);
  const run = (job: TargetJob) => (width > 1 && writes.includes(job) ? inWorker(job) : mergeTarget(job));
  const outcomes: (TargetOutcome | undefined)[] = new Array(jobs.length);
  const failures: (unknown | undefined)[] = new Array(jobs.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < jobs.length) {
      const index = next++;
      const job = jobs[index]!;
      const release = lock(job);
      try {
        outcomes[index] = await run(job);
      } catch (error) {
        failures[index] = error;
        failed = true;
      } finally {
        release();
      }
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  const first = failures.findIndex((failure) => failure !== undefined);
  if (first >= 0) throw failures[first];
  return outcomes as TargetOutcome[];
}
