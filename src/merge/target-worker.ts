/** A worker thread merging one target (see target-pool.ts): the job in, the outcome or the error out. */
import { parentPort, workerData } from 'node:worker_threads';
import { mergeTarget, type TargetJob } from './target-merge.js';

export type TargetWorkerReply =
  { readonly outcome: Awaited<ReturnType<typeof mergeTarget>> } | { readonly error: { readonly name: string; readonly message: string } };

mergeTarget(workerData as TargetJob).then(
  (outcome) => parentPort!.postMessage({ outcome } satisfies TargetWorkerReply),
  (error: unknown) => {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    parentPort!.postMessage({ error: { name, message } } satisfies TargetWorkerReply);
  },
);
