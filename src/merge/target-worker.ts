/** A worker thread merging targets (see target-pool.ts): a job in, its outcome or its error out. */
import { serveRequests } from '../core/worker-pool.js';
import { mergeTarget, type TargetJob, type TargetOutcome } from './target-merge.js';

serveRequests<TargetJob, TargetOutcome>((job) => mergeTarget(job));
