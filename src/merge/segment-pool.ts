/**
 * Segments encoded on worker threads (segment-worker.ts), one segment per worker at a time;
 * results come back in whatever order the workers finish, and the caller awaits them in its
 * own order. Used only from the main thread (a target merged on a worker of target-pool.ts
 * already has its core).
 */
import { availableParallelism } from 'node:os';
import { distPath } from '../core/package-root.js';
import { WorkerPool } from '../core/worker-pool.js';
import type { Field } from '../parquet/index.js';
import type { JsonlSource } from './chunk-sources.js';
import type { EncodedSegment, SegmentJob, WirePiece } from './segment.js';
import { rebuilt } from './worker-errors.js';

const WORKER = distPath('merge', 'segment-worker.js');
/** Each worker holds a segment of up to about two row groups (32 MiB of data each, more as values). */
const MAX_WORKERS = 4;

/**
 * A segment to encode (the job comes with each, so the workers can be started before the merge
 * knows its schema), or a JSONL file whose schema to infer while the merge works it out.
 */
export type SegmentRequest =
  | { readonly kind: 'encode'; readonly job: SegmentJob; readonly pieces: readonly WirePiece[] }
  | { readonly kind: 'infer'; readonly source: JsonlSource };

export type SegmentPool = WorkerPool<SegmentRequest, EncodedSegment | Field>;

export const encodeOn = (pool: SegmentPool, job: SegmentJob, pieces: readonly WirePiece[]) =>
  pool.run({ kind: 'encode', job, pieces }) as Promise<EncodedSegment>;

export const inferOn = (pool: SegmentPool, source: JsonlSource) => pool.run({ kind: 'infer', source }) as Promise<Field>;

/** Workers for a merge's segments, or undefined where there is one core (or no worker to be had: see WorkerPool.open). */
export function openSegmentPool(cores = availableParallelism()): SegmentPool | undefined {
  if (cores < 2) return undefined;
  return WorkerPool.open<SegmentRequest, EncodedSegment | Field>(WORKER, Math.min(MAX_WORKERS, cores), {
    describe: 'merge worker thread',
    rebuild: rebuilt,
  });
}
