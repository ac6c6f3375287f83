/** The merge as a library: what the launcher calls after a successful run, and what merge-chunks runs. */
import path from 'node:path';
import { DataError, UsageError } from '../core/errors.js';
import type { ChunkRange } from '../core/plan.js';
import type { RunLocation } from '../core/rerun-hint.js';
import { readRunFile } from '../core/run-file.js';
import { scanDisk, type DiskState } from '../core/scan.js';
import { fingerprintOf } from './merge-record.js';
import { removeAbandonedTempFiles } from './merged-files.js';
import { lockMergeTarget } from './merge-lock.js';
import { finishCommand, planMerge, refuseIncomplete } from './targets.js';
import type { TargetJob } from './target-merge.js';
import { mergeTargets } from './target-pool.js';
import type { MergePath } from './write-merged.js';
import type { VerifyLevel } from '../parquet/index.js';

export { ALL_TARGET, describeMissing } from './targets.js';
export type { MergePath } from './write-merged.js';
export { DEFAULT_VERIFY, VERIFY_LEVELS, type VerifyLevel } from '../parquet/index.js';

export interface MergeRequest {
  readonly outputDir: string;
  /** One device folder; neither this nor `all`: every device folder with committed chunks. */
  readonly device?: string;
  /** One file over the whole range, in index order. */
  readonly all?: boolean;
  /** Merge what is committed even when chunks of the plan are missing (see MergeOutcome.missing). */
  readonly allowPartial?: boolean;
  /** Delete the chunks' data files once the merged file is written, fsynced and verified. */
  readonly deleteChunks?: boolean;
  /** The index column to check when run.json records none (e.g. from the phase's config). */
  readonly indexColumn?: string;
  /** The --config and --output-dir the user gave, kept in the hints this prints. */
  readonly where?: RunLocation;
  /** How much of each copied chunk file is checked (default: every page header). */
  readonly verify?: VerifyLevel;
  /** The output dir as the caller just scanned it (the launcher at the end of a run): saves scanning it again. */
  readonly disk?: DiskState;
  /** Copy every row group of identical schemas as it is, small ones too (default: small ones are gathered into bigger ones). */
  readonly keepRowGroups?: boolean;
}

export interface MergeOutcome {
  /** The device, or 'all'. */
  readonly device: string;
  readonly file: string;
  readonly rows: number;
  /** True when the existing merged file already held exactly these chunks: nothing was written. */
  readonly unchanged: boolean;
  /** fast: row groups copied as bytes; mixed: some chunks re-encoded to a unified schema; jsonl: converted from JSONL. */
  readonly path: MergePath;
  /** Chunks of the plan committed nowhere (non-empty only with allowPartial). */
  readonly missing: readonly ChunkRange[];
}

export async function mergeCommitted(request: MergeRequest): Promise<MergeOutcome[]> {
  const outputDir = path.resolve(request.outputDir);
  const run = readRunFile(outputDir);
  if (!run)
    throw new UsageError(
      `${outputDir} has no run.json: it is not the output dir of a checkpointed launcher run (pass --output-dir DIR, or --phase P whose outputDir it is)`,
    );
  removeAbandonedTempFiles(outputDir);
  const plan = planMerge(request.disk ?? scanDisk(outputDir), run, request);
  if (plan.missing.length > 0 && !request.allowPartial) refuseIncomplete(run, plan.missing, request.where);
  if (plan.targets.every((target) => target.chunks.length === 0))
    throw new DataError(`no committed chunks to merge under ${path.join(outputDir, 'chunks')}`);
  const indexColumn = run.indexColumn ?? request.indexColumn;
  const empty = plan.targets.find((target) => target.chunks.length === 0);
  if (empty) throw new DataError(`device ${empty.name} has no committed chunks to merge`);
  const jobs = plan.targets.map((target): TargetJob => ({
    outputDir,
    target,
    fingerprint: fingerprintOf(target.name, target.chunks),
    finish: finishCommand(run, request.where),
    indexColumn,
    deleteChunks: request.deleteChunks ?? false,
    verify: request.verify,
    keepRowGroups: request.keepRowGroups,
  }));
  const merged = await mergeTargets(jobs, (job) => lockMergeTarget(outputDir, job.target.name));
  return merged.map((outcome) => ({ ...outcome, missing: plan.missing }));
}
