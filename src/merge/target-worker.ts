/** A worker thread merging one target (see target-pool.ts): the job in, the outcome or the error out. */
import { parentPort, workerData } from 'node:worker_threads';
import { mergeTarget, type TargetJob } from './target-merge.js';
import { reported, type ReportedError } from '../core/worker-pool.js';

export type TargetWorkerReply = { readonly outcome: Awaited<ReturnType<typeof mergeTarget>> } | { readonly error: ReportedError };

mergeTarget(workerData as TargetJob).then(
  (outcome) => parentPort!.postMessage({ outcome } satisfies TargetWorkerReply),
  (error: unknown) => parentPort!.postMessage({ error: reported(error) } satisfies TargetWorkerReply),
);
