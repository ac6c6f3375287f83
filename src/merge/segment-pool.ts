/**
 * Segments encoded on worker threads (segment-worker.ts), one segment per worker at a time;
 * results come back in whatever order the workers finish, and the caller awaits them in its
 * own order. Used only from the main thread (a target merged on a worker of target-pool.ts
 * already has its core).
 */
import { availableParallelism } from 'node:os';
import { distPath } from '../core/package-root.js';
import { WorkerPool } from '../core/worker-pool.js';
import type { EncodedSegment, SegmentJob, WirePiece } from './segment.js';
import { rebuilt } from './worker-errors.js';

const WORKER = distPath('merge', 'segment-worker.js');
/** Each worker holds a segment of up to a row group (32 MiB of data, several times that as values). */
const MAX_WORKERS = 4;

/** A segment to encode: the job comes with each, so the workers can be started before the merge knows its schema. */
export interface SegmentRequest {
  readonly job: SegmentJob;
  readonly pieces: readonly WirePiece[];
}

export type SegmentPool = WorkerPool<SegmentRequest, EncodedSegment>;

/** Workers for a merge's segments, or undefined where there is one core (or no worker to be had: see WorkerPool.open). */
export function openSegmentPool(cores = availableParallelism()): SegmentPool | undefined {
  if (cores < 2) return undefined;
  return WorkerPool.open<SegmentRequest, EncodedSegment>(WORKER, Math.min(MAX_WORKERS, cores), {
    describe: 'merge worker thread',
    rebuild: rebuilt,
  });
}
